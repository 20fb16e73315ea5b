using U2PL.Contracts;
using U2PL.Grains.Placement;
using Orleans.Runtime;

namespace U2PL.Grains.Run;

/// <summary>The cluster's list of runs (<see cref="IRunRegistryGrain"/>), persisted when a run is added or its state, or mIoU changes.</summary>
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
        var known = index >= 0 ? _runs[index] : null;
        if (known == run) return;
        if (index >= 0) _runs[index] = run;
        else _runs.Add(run);
        // Progress alone is kept in memory (a training run's iteration moves every second); a restart shows the last written.
        if (known is null || known with { Iteration = run.Iteration } != run) await GrainState.WriteAsync(stored, _runs);
    }

    public Task<RunSummary[]> List() => Task.FromResult(_runs.OrderBy(r => r.Created).ToArray());
}
