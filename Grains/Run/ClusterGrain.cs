using U2PL.Contracts;
using U2PL.Grains.Placement;

namespace U2PL.Grains.Run;

/// <summary>
/// <see cref="IClusterGrain"/>: Orleans' membership table as the management grain reports it, each silo's roles and GPU
/// slots from its metadata, and where the grains of unfinished runs are.
/// </summary>
[GrainType("u2pl.cluster")]
public sealed class ClusterGrain(ClusterView view) : Grain, IClusterGrain
{
    public async Task<ClusterSnapshot> Describe()
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var grains = new Dictionary<string, List<string>>();
        var runs = await GrainFactory.GetGrain<IRunRegistryGrain>(GrainKeys.Registry).List();
        var used = 0;
        foreach (var run in runs.Where(r => r.State is not (RunState.Completed or RunState.Stopped or RunState.Failed)))
        {
            RunStatus status;
            try
            {
                status = await GrainFactory.GetGrain<ITrainingRunGrain>(run.RunId).GetStatus();
            }
            catch (Exception)
            {
                continue;
            }
            used += status.Workers.Count;
            foreach (var placement in status.Placement)
            {
                var name = placement.Grain.StartsWith(run.RunId, StringComparison.Ordinal) ? placement.Grain : $"{run.RunId}:{placement.Grain}";
                (grains.TryGetValue(placement.Silo, out var list) ? list : grains[placement.Silo] = []).Add(name);
            }
        }
        var silos = hosts.Select(e => (Entry: e, Metadata: view.MetadataOf(e.SiloAddress))).ToList();
        return new ClusterSnapshot
        {
            MembershipVersion = view.Snapshot.Version.Value,
            Silos = silos.Select(s => new SiloInfo
            {
                Address = s.Entry.SiloAddress.ToString(), Roles = [.. SiloRoles.RolesOf(s.Metadata)], GpuSlots = SiloRoles.GpuSlotsOf(s.Metadata),
                Status = s.Entry.Status.ToString(), LastHeartbeat = s.Entry.IAmAliveTime, Started = s.Entry.StartTime, GatewayPort = s.Entry.ProxyPort,
            }).ToList(),
            GrainsBySilo = grains,
            GpuSlots = view.GpuSlots(),
            GpuSlotsUsed = used,
        };
    }
}
