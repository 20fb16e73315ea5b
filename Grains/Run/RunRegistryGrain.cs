using U2PL.Contracts;
using U2PL.Runtime;

namespace U2PL.Grains.Run;

/// <summary>The cluster's list of runs (<see cref="IRunRegistryGrain"/>), persisted.</summary>
[SiloRole("state")]
public sealed class RunRegistryGrain : Grain, IRunRegistryGrain
{
    private List<RunSummary> _runs = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _runs = await GrainState.ReadAsync<List<RunSummary>>(GrainContext) ?? [];

    public Task Register(RunSummary run) => Update(run);

    public async Task Update(RunSummary run)
    {
        var index = _runs.FindIndex(r => r.RunId == run.RunId);
        if (index >= 0 && _runs[index] == run) return;
        if (index >= 0) _runs[index] = run;
        else _runs.Add(run);
        await GrainState.WriteAsync(GrainContext, _runs);
    }

    public Task<RunSummary[]> List() => Task.FromResult(_runs.OrderBy(r => r.Created).ToArray());
}
