using System.Text;
using U2PL.Runtime.Catalog;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Messaging;

namespace U2PL.Runtime.Placement;

/// <summary>
/// Chooses the silo for a new activation: active silos with the grain class's role (and GPU slots for
/// [UsesGpuSlot] grains), minus silos that just refused for capacity; then random or hash-based among them.
/// The chosen silo still checks capacity and registers in the directory, which has the last word.
/// </summary>
internal sealed class PlacementService(GrainTypeManifest manifest, Func<MembershipTableSnapshot> view)
{
    /// <summary>Picks a silo, or throws <see cref="SiloUnavailableException"/> when none is eligible (yet).</summary>
    public SiloAddress Choose(GrainId grainId, IReadOnlySet<SiloAddress> excluded)
    {
        var info = manifest.Find(grainId.Type);
        var candidates = view().Active
            .Where(e => !excluded.Contains(e.Silo))
            .Where(e => info?.RequiredRole is null || e.HasRole(info.RequiredRole))
            .Where(e => info is null || !info.UsesGpuSlot || e.GpuSlots > 0)
            .Select(e => e.Silo)
            .OrderBy(s => s.ToString(), StringComparer.Ordinal)
            .ToList();
        if (candidates.Count == 0)
            throw new SiloUnavailableException($"No active silo can host {grainId} (role {info?.RequiredRole ?? "any"}{(info?.UsesGpuSlot == true ? ", GPU slot" : "")}).");
        return info?.Placement is HashBasedPlacementAttribute
            ? candidates[(int)(StableHash(grainId.ToString()) % (uint)candidates.Count)]
            : candidates[Random.Shared.Next(candidates.Count)];
    }

    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 16777619u;
        return hash;
    }
}
