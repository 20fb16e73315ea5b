using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace U2PL.Grains.Placement;

public sealed class GpuSiloPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var gpu = compatible.Where(s => SiloRoles.Has(metadata.GetSiloMetadata(s).Metadata, SiloRoles.Gpu)).ToArray();
        var choices = gpu.Length > 0 ? gpu : compatible;
        if (choices.Length == 0)
        {
            throw new OrleansException($"cannot place {target.GrainIdentity}: no active silo");
        }
        return Task.FromResult(choices[Random.Shared.Next(choices.Length)]);
    }
}
