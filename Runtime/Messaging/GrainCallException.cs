namespace U2PL.Runtime.Messaging;

/// <summary>A call failed in the runtime (not in the grain): no silo could take it, bad request, routing exhausted.</summary>
public class GrainCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrainCallException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner one.</summary>
    public GrainCallException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>A transient routing failure (target silo gone, grain moving): the call is retried after re-resolving.</summary>
public sealed class SiloUnavailableException : GrainCallException
{
    /// <summary>Creates the exception.</summary>
    public SiloUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>An exception thrown by a grain on another process whose type could not be rebuilt here.</summary>
public sealed class RemoteGrainException(string remoteType, string message, string remoteStackTrace) : Exception(message)
{
    /// <summary>The remote exception's type name.</summary>
    public string RemoteType { get; } = remoteType;

    /// <summary>The remote stack trace.</summary>
    public string RemoteStackTrace { get; } = remoteStackTrace;
}
