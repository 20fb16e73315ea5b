using Orleans.Runtime.MembershipService.SiloMetadata;

namespace U2PL.Grains.Placement;

/// <summary>The hosting silo's view of the membership, with each silo's roles and GPU slots from its metadata.</summary>
public sealed class ClusterView(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    public ClusterMembershipSnapshot Snapshot => membership.CurrentSnapshot;

    public IReadOnlyDictionary<string, string> MetadataOf(SiloAddress silo) => metadata.GetSiloMetadata(silo).Metadata;

    /// <summary>GPU slots of the active silos with the gpu role.</summary>
    public int GpuSlots() => Snapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active && SiloRoles.Has(MetadataOf(m.SiloAddress), SiloRoles.Gpu))
        .Sum(m => SiloRoles.GpuSlotsOf(MetadataOf(m.SiloAddress)));

    /// <summary>The silos declared dead, as grains name their silo (<c>RuntimeIdentity</c>).</summary>
    public HashSet<string> DeadSilos() =>
        Snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress.ToString()).ToHashSet();
}
