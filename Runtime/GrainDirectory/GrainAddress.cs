using U2PL.Runtime.Membership;

namespace U2PL.Runtime.GrainDirectory;

/// <summary>A directory entry: where a grain's single activation lives, and its fencing epoch.</summary>
/// <param name="GrainId">The grain.</param>
/// <param name="Silo">The silo hosting the activation; null when none is registered.</param>
/// <param name="Epoch">Incremented each time a new activation registers; never reused for the grain.</param>
public sealed record GrainAddress(GrainId GrainId, SiloAddress? Silo, long Epoch);
