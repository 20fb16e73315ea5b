using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace U2PL.Grains.Placement;

public sealed class StateSiloPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).Where(s => SiloRoles.Has(metadata.GetSiloMetadata(s).Metadata, SiloRoles.State)).ToArray();
        if (silos.Length == 0)
        {
            throw new OrleansException($"cannot place {target.GrainIdentity}: no active silo has the '{SiloRoles.State}' role");
        }
        return Task.FromResult(silos[Random.Shared.Next(silos.Length)]);
    }
}
