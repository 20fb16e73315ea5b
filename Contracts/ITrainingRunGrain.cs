using Orleans.Concurrency;

namespace U2PL.Contracts;

/// <summary>
/// One training run (key: the run id): its config, its state machine, the desired and actual workers, global progress
/// in samples (epochs, iterations and every schedule derive from it), checkpoints, validation at epoch ends, the event
/// log, and progress events to subscribers.
/// </summary>
[Alias("u2pl.run")]
public interface ITrainingRunGrain : IGrainWithStringKey
{
    /// <summary>Validates the config (every problem listed in one <see cref="RunConfigException"/>), creates the run's grains and starts the workers.</summary>
    [ResponseTimeout("00:05:00")]
    Task<RunStatus> Start(RunSpec spec);

    [AlwaysInterleave]
    Task<RunStatus> GetStatus();

    /// <summary>Sets the desired worker count (or auto: one per free GPU slot, following silos as they come and go).</summary>
    Task<RunStatus> Scale(WorkerTarget target);

    Task<RunStatus> Pause();

    Task<RunStatus> Resume();

    [ResponseTimeout("00:05:00")]
    Task<RunStatus> Stop();

    /// <summary>Writes a checkpoint now; returns where. Interleaves: it waits for the run's checkpoint unit, not in a turn.</summary>
    [ResponseTimeout("00:05:00"), AlwaysInterleave]
    Task<string> Checkpoint();

    [AlwaysInterleave]
    Task<RunEvent[]> GetEvents(long afterSequence);

    /// <summary>Loss curves, evaluations and the latest prediction overlays (the run page).</summary>
    [AlwaysInterleave]
    Task<RunHistory> GetHistory();

    Task Subscribe(IRunObserver observer);

    Task Unsubscribe(IRunObserver observer);

    /// <summary>A worker's report after a step; the answer tells it whether to go on.</summary>
    [AlwaysInterleave]
    Task<WorkerDirective> Report(WorkerReport report);

    /// <summary>A state grain came back after its silo died, restored from the checkpoint at <paramref name="iteration"/>.</summary>
    [AlwaysInterleave]
    Task StateRestored(StateGrain grain, long iteration);

    /// <summary>A worker's notice that it stopped (removed, run ended, or an error it could not recover from).</summary>
    [AlwaysInterleave]
    Task WorkerStopped(string workerKey, WorkerStop stop);
}

/// <summary>A run's state grain, as it names itself to the run.</summary>
[GenerateSerializer]
public sealed record StateGrain
{
    [Id(1)] public StateGrainRole Role { get; init; }
    /// <summary>Its grain id, for the event log.</summary>
    [Id(2)] public string Id { get; init; } = "";
}

public enum StateGrainRole
{
    Shard,
    Bank,
    Dispenser,
}

/// <summary>Receives a run's status and events as they happen (the client's live view).</summary>
public interface IRunObserver : IGrainObserver
{
    Task OnStatus(RunStatus status);

    Task OnEvent(RunEvent runEvent);
}

/// <summary>All runs of the cluster (key <see cref="GrainKeys.Registry"/>).</summary>
[Alias("u2pl.runs")]
public interface IRunRegistryGrain : IGrainWithStringKey
{
    Task Register(RunSummary run);

    Task Update(RunSummary run);

    [ReadOnly]
    Task<RunSummary[]> List();
}
