using U2PL.Contracts;
using U2PL.Grains.Placement;
using Orleans.Runtime;

namespace U2PL.Grains.Run;

/// <summary>The cluster's list of runs (<see cref="IRunRegistryGrain"/>), persisted.</summary>
[StateSiloPlacement]
[GrainType("u2pl.runs")]
public sealed class RunRegistryGrain([PersistentState("runs", GrainState.Storage)] IPersistentState<List<RunSummary>> stored) : Grain, IRunRegistryGrain
{
    private List<RunSummary> _runs = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _runs = GrainState.Read(stored) ?? [];
        return Task.CompletedTask;
    }

    public Task Register(RunSummary run) => Update(run);

    public async Task Update(RunSummary run)
    {
        var index = _runs.FindIndex(r => r.RunId == run.RunId);
        if (index >= 0 && _runs[index] == run) return;
        if (index >= 0) _runs[index] = run;
        else _runs.Add(run);
        await GrainState.WriteAsync(stored, _runs);
    }

    public Task<RunSummary[]> List() => Task.FromResult(_runs.OrderBy(r => r.Created).ToArray());
}
