using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace U2PL.Grains.Placement;

public static class PlacementHostingExtensions
{
    /// <summary>Publishes the silo's roles and GPU slots as silo metadata and registers the U2PL placement directors.</summary>
    public static ISiloBuilder AddU2plPlacement(this ISiloBuilder silo, IEnumerable<string> roles, int gpuSlots) => silo
        .ConfigureServices(services => services.AddSingleton<ClusterView>())
        .UseSiloMetadata(SiloRoles.Metadata(roles, gpuSlots))
        .AddPlacementDirector<GpuSlotPlacement, GpuSlotPlacementDirector>()
        .AddPlacementDirector<StateSiloPlacement, StateSiloPlacementDirector>()
        .AddPlacementDirector<ShardSiloPlacement, ShardSiloPlacementDirector>()
        .AddPlacementDirector<GpuSiloPlacement, GpuSiloPlacementDirector>();
}
