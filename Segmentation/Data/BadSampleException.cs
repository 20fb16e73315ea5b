namespace U2PL.Segmentation.Data;

/// <summary>A sample that cannot be used; the message names the file and the problem (value, sizes).</summary>
public sealed class BadSampleException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BadSampleException(BadSampleReason reason, string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        Path = path;
    }

    /// <summary>Why the sample is bad.</summary>
    public BadSampleReason Reason { get; }

    /// <summary>The offending file.</summary>
    public string Path { get; }

    /// <summary>Dataset index of the sample, when known (set by the loader).</summary>
    public int? Index { get; init; }
}
