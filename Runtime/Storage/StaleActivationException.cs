namespace U2PL.Runtime.Storage;

/// <summary>A write was refused because the writing activation's fencing epoch is no longer the grain's current one.</summary>
public sealed class StaleActivationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StaleActivationException(string message) : base(message) { }

    /// <summary>Creates the exception for a grain and the refused epoch.</summary>
    public StaleActivationException(GrainId grainId, long epoch)
        : base($"Write to {grainId} with fencing epoch {epoch} refused: a newer activation holds the grain.") { }
}
