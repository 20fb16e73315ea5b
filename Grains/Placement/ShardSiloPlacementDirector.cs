using System.Globalization;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace U2PL.Grains.Placement;

public sealed class ShardSiloPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target)
            .Where(s => metadata.GetSiloMetadata(s).Metadata is var roles && (SiloRoles.Has(roles, SiloRoles.State) || SiloRoles.Has(roles, SiloRoles.Shard)))
            .OrderBy(s => s.ToParsableString(), StringComparer.Ordinal)
            .ToArray();
        if (silos.Length == 0)
        {
            throw new OrleansException($"cannot place {target.GrainIdentity}: no active silo has the '{SiloRoles.State}' or '{SiloRoles.Shard}' role");
        }
        return Task.FromResult(silos[ShardIndex(target.GrainIdentity) % silos.Length]);
    }

    /// <summary>k of a shard key <c>run/k</c>; another key spreads by its hash.</summary>
    private static int ShardIndex(GrainId grain)
    {
        var key = grain.Key.ToString();
        return int.TryParse(key.AsSpan(key.LastIndexOf('/') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            ? k
            : (int)(grain.GetUniformHashCode() & int.MaxValue);
    }
}
