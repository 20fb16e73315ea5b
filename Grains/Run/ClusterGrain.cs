using Microsoft.Extensions.DependencyInjection;
using U2PL.Contracts;
using U2PL.Runtime;

namespace U2PL.Grains.Run;

/// <summary>
/// <see cref="IClusterGrain"/>: the membership view of the silo it runs on (every silo converges on the same view),
/// and where the grains of unfinished runs are.
/// </summary>
public sealed class ClusterGrain : Grain, IClusterGrain
{
    public async Task<ClusterSnapshot> Describe()
    {
        var silo = ServiceProvider.GetRequiredService<U2PL.Runtime.Hosting.Silo>();
        var view = silo.MembershipView;
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
        return new ClusterSnapshot
        {
            MembershipVersion = view.Version,
            Silos = view.Entries.Select(e => new SiloInfo
            {
                Address = e.Silo.ToString(), Roles = [.. e.Roles], GpuSlots = e.GpuSlots, Status = e.Status.ToString(), LastHeartbeat = e.IAmAliveTime,
                Started = e.StartTime, GatewayPort = e.GatewayPort,
            }).ToList(),
            GrainsBySilo = grains,
            GpuSlots = view.Active.Where(e => e.HasRole("gpu")).Sum(e => e.GpuSlots),
            GpuSlotsUsed = used,
        };
    }
}
