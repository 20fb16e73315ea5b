using U2PL.Runtime.Membership;

namespace U2PL.Runtime.GrainDirectory;

/// <summary>
/// The grain directory: maps a grain id to its single activation. Registration is conditional so that two silos racing
/// to activate the same grain agree on one winner; each successful registration increments the grain's epoch.
/// </summary>
public interface IGrainDirectory
{
    /// <summary>The entry of the grain, or null when it was never registered.</summary>
    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>
    /// Registers <paramref name="silo"/> as the grain's host if the entry is empty or still names
    /// <paramref name="previous"/> (a silo the caller knows to be dead); otherwise leaves it. Returns the entry after
    /// the operation: the caller won when its <c>Silo</c> is <paramref name="silo"/>.
    /// </summary>
    Task<GrainAddress> RegisterAsync(GrainId grainId, SiloAddress silo, SiloAddress? previous, CancellationToken cancellationToken);

    /// <summary>Clears the entry if it still names <paramref name="silo"/> at <paramref name="epoch"/> (the epoch is kept).</summary>
    Task UnregisterAsync(GrainId grainId, SiloAddress silo, long epoch, CancellationToken cancellationToken);
}
