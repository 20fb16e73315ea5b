using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Placement;
using Orleans.Storage;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// The run coordinator (<see cref="ITrainingRunGrain"/>): the API, the run's state machine, and its fenced persistence
/// (the record and the event log apart, each written when it changed). Its units do the rest: <see cref="WorkerFleet"/>
/// (which workers to start and stop), <see cref="RunCheckpoints"/> (the checkpoint barrier), <see cref="RunEvaluations"/>
/// (validation on a GPU-role silo), <see cref="RunTelemetry"/> and <see cref="RunStatusProjection"/>. A 1 s timer
/// reconciles (TrainingRunGrain.Reconcile.cs). Long work (checkpoints, validation, file copies) runs outside the
/// grain's turns, so pause, scale and status are answered meanwhile.
/// </summary>
[StateSiloPlacement]
[KeepAlive] // its state lives in memory between checkpoints
[GrainType("u2pl.run")]
public sealed partial class TrainingRunGrain(
    ILogger<TrainingRunGrain> logger, ClusterView cluster, TimeProvider time, DatasetTypes datasetTypes,
    [PersistentState("run", GrainState.Storage)] IPersistentState<RunRecord> stored,
    [PersistentState("events", GrainState.Storage)] IPersistentState<RunEventLog> storedEvents,
    TrainingMetrics? metrics = null) : Grain, ITrainingRunGrain, ILifecycleParticipant<IGrainLifecycle>
{
    private RunRecord? _record;
    private RunEventLog _events = new();
    private RunUnits? _units;
    private readonly RunStateWriter _writer = new(stored, storedEvents);

    private RunRecord Record => _record ?? throw new UnknownRunException($"unknown run '{RunId}'");

    private RunUnits Units => _units ??= NewUnits(Record);

    private string RunId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _record = GrainState.Read(stored);
        _events = GrainState.Read(storedEvents) ?? new RunEventLog();
        if (_record is { IsFinished: false } record)
        {
            record.EpochsEvaluated = record.EpochsClosed; // an epoch end whose checkpoint the failover cut short is taken again
            Emit(RunEventKind.Restored, $"run grain activated on {RuntimeIdentity} (iteration {record.Iteration})");
            StartTimer();
        }
        return Task.CompletedTask;
    }

    void ILifecycleParticipant<IGrainLifecycle>.Participate(IGrainLifecycle lifecycle) =>
        lifecycle.Subscribe($"{nameof(TrainingRunGrain)}.Telemetry", GrainLifecycleStage.Activate, _ => Task.CompletedTask, _ =>
        {
            // Also when the grain deactivates on shutdown or steps aside for a newer activation: a silo never reports a run it no longer coordinates.
            _units?.Telemetry.Retire();
            _units?.Telemetry.Close();
            return Task.CompletedTask;
        });

    public async Task<RunStatus> Start(RunSpec spec)
    {
        if (_record is not null)
        {
            throw new InvalidOperationException($"run '{RunId}' already exists ({_record.State})");
        }
        NewRun run;
        try
        {
            run = await RunSetup.Create(RunId, spec, datasetTypes);
        }
        catch (RunConfigException)
        {
            DeactivateOnIdle();
            throw;
        }
        var record = _record = run.Record;
        record.EpochsClosed = record.EpochsEvaluated;
        _units = NewUnits(record, run.Options);
        foreach (var warning in run.Warnings) Emit(RunEventKind.Warning, warning);
        await RunSetup.SetUpStateGrains(GrainFactory, record, run.Options, run.Datasets);
        record.State = Phase(record.StartIteration);
        Emit(RunEventKind.Started, $"{run.Options.Model.Architecture.Name()} OS{run.Options.Model.OutputStride}, {run.Datasets.Labeled} labeled + " +
                                   $"{run.Datasets.Unlabeled} unlabeled images, {record.LastIteration} iterations ({record.StepsPerEpoch} per epoch), " +
                                   $"{record.Shards} shards, workers {spec.Workers}" +
                                   (record.ResumedFrom.Length > 0 ? $", resumed from {record.ResumedFrom} at iteration {record.StartIteration}" : ""));
        Changed();
        await SaveChanges();
        await Registry().Register(Units.Projection.Summary());
        StartTimer();
        await ReconcileWorkers();
        return Status();
    }

    public Task<RunStatus> GetStatus() => Task.FromResult(Status());

    public async Task<RunStatus> Scale(WorkerTarget target)
    {
        var record = Record;
        if (!target.Auto && target.Count < 0)
        {
            throw new ArgumentException($"a worker count must be non-negative, got {target.Count}");
        }
        record.DesiredAuto = target.Auto;
        record.DesiredCount = target.Count;
        Units.Fleet.Scaled();
        Emit(RunEventKind.Scaled, $"desired workers: {target} ({DesiredWorkers()} now)");
        Changed();
        await SaveChanges();
        await ReconcileWorkers();
        return Status();
    }

    /// <summary>Holds the dispenser at once; the workers finish their steps and the checkpoint follows in the background.</summary>
    public async Task<RunStatus> Pause()
    {
        var record = Record;
        if (record.State is RunState.WarmUp or RunState.Semi)
        {
            record.StateBeforePause = record.State;
            record.State = RunState.Paused;
            await Dispenser().Hold(true);
            Emit(RunEventKind.Paused, $"paused at iteration {record.Iteration}: the workers finish their steps, then a checkpoint is written");
            Changed();
            await SaveChanges();
            _ = CheckpointInBackground();
        }
        return Status();
    }

    public async Task<RunStatus> Resume()
    {
        var record = Record;
        if (record.State == RunState.Paused)
        {
            record.State = record.StateBeforePause;
            if (!Units.Checkpoints.Busy) await Dispenser().Hold(false); // else the checkpoint lets it go when done
            Emit(RunEventKind.Resumed, $"resumed at iteration {record.Iteration}");
            Changed();
            await SaveChanges();
        }
        return Status();
    }

    public async Task<RunStatus> Stop()
    {
        var record = Record;
        if (!record.IsFinished)
        {
            await Dispenser().Hold(true);
            await Units.Checkpoints.Take("last", () => true, CheckpointInfo);
            record.State = RunState.Stopped;
            Emit(RunEventKind.Stopped, $"stopped at iteration {record.Iteration}; checkpoint {record.LastCheckpoint}");
            Units.Workers.StopAll("the run was stopped");
            await Finish();
        }
        return Status();
    }

    public async Task<string> Checkpoint()
    {
        var record = Record;
        if (record.IsFinished)
        {
            return record.LastCheckpoint;
        }
        var taken = await Units.Checkpoints.Take("last", HoldDispenser, CheckpointInfo);
        Changed();
        await SaveChanges();
        return taken.Path;
    }

    public Task<RunEvent[]> GetEvents(long afterSequence) => Task.FromResult(Record is { } ? _events.Events.Where(e => e.Sequence > afterSequence).ToArray() : []);

    public Task<RunHistory> GetHistory() => Task.FromResult(Units.Telemetry.History());

    public Task Subscribe(IRunObserver observer)
    {
        Units.Telemetry.Subscribe(observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IRunObserver observer)
    {
        _units?.Telemetry.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task<WorkerDirective> Report(WorkerReport report)
    {
        if (_record is null || _record.IsFinished)
        {
            return Task.FromResult(WorkerDirective.Stop);
        }
        var units = Units;
        if (units.Fleet.Report(report) is { } join)
        {
            var sinceScale = join.SinceScale is { } scale ? $", {scale.TotalSeconds:F1} s after the scale command" : "";
            Emit(RunEventKind.Joined, $"{join.Key} on {join.Silo}: first accepted gradient at iteration {join.Iteration}, " +
                                      $"{join.SinceStart.TotalSeconds:F1} s after its start{sinceScale}");
        }
        units.Telemetry.Step(report, units.Fleet.Reporting, units.Projection.StaleGradients, units.Projection.BankFill);
        var surplus = GrainKeys.SlotOf(report.Worker.WorkerKey) >= DesiredWorkers();
        return Task.FromResult(surplus ? WorkerDirective.Stop : WorkerDirective.Continue);
    }

    public Task StateRestored(StateGrain grain, long iteration)
    {
        if (_record is not { } record)
        {
            return Task.CompletedTask;
        }
        Emit(RunEventKind.Restored, $"{grain.Id} reactivated after its silo failed, restored from the checkpoint at iteration {iteration}: " +
                                    $"{Math.Max(0, record.Iteration - iteration)} steps lost");
        if (grain.Role == StateGrainRole.Dispenser)
        {
            record.Iteration = iteration;
        }
        return Units.Options.Cluster.Mode == ClusterMode.Sync && !record.IsFinished ? Rewind(record) : SaveChanges();
    }

    /// <summary>Sync mode: every state grain goes back to the latest checkpoint as a new generation (<see cref="RunSetup.Rewind"/>).</summary>
    private async Task Rewind(RunRecord record)
    {
        var iteration = await RunSetup.Rewind(GrainFactory, record);
        Emit(RunEventKind.Restored, $"every shard, bank and the dispenser went back to the checkpoint at iteration {iteration} (state generation {record.Generation}): " +
                                    "the run repeats the same steps from there");
        Changed();
        await SaveChanges();
    }

    public Task WorkerStopped(string workerKey, WorkerStop stop)
    {
        if (_units?.Fleet.Stopped(workerKey) is { } info)
        {
            Emit(stop.Reason == WorkerStopReason.Failed ? RunEventKind.Failed : RunEventKind.Left, $"{workerKey} on {info.Silo} stopped: {stop.Detail}");
        }
        return Task.CompletedTask;
    }

    private RunUnits NewUnits(RunRecord record, TrainingOptions? options = null) =>
        RunUnits.Create(GrainFactory, record, options, time, metrics, logger, (kind, message) => Emit(kind, message));

    private RunState Phase(long iteration) => Record.Semi && iteration >= Record.WarmupIterations ? RunState.Semi : RunState.WarmUp;

    /// <summary>Whether the dispenser stays held after a checkpoint: paused, finishing or finished.</summary>
    private bool HoldDispenser() => Record.State == RunState.Paused || Record.IsFinished || _completing;

    private CheckpointInfo CheckpointInfo(long iteration) => Record.CheckpointInfo(iteration, Units.Options.Seed, time.GetUtcNow());

    private int DesiredWorkers() => Record.DesiredAuto ? cluster.GpuSlots() : Record.DesiredCount;

    private RunStatus Status() =>
        Units.Projection.Status(Units.Fleet, Units.Telemetry, Record.IsFinished ? 0 : DesiredWorkers(), _events.Events.TakeLast(10).ToList());

    private IDataDispenserGrain Dispenser() => GrainFactory.GetGrain<IDataDispenserGrain>(RunId);

    private IRunRegistryGrain Registry() => GrainFactory.GetGrain<IRunRegistryGrain>(GrainKeys.Registry);

    private void Changed() => _writer.RecordChanged();

    /// <summary>Writes the record and the event log if they changed; a newer activation's write makes this one step aside.</summary>
    private async Task SaveChanges()
    {
        try
        {
            await _writer.Save(Record, _events);
        }
        catch (InconsistentStateException e)
        {
            // A newer activation of this run exists elsewhere (this silo was cut off and declared dead).
            LogSteppedAside(logger, e, RunId);
            _timer?.Dispose();
            DeactivateOnIdle();
            throw;
        }
    }

    private RunEvent Emit(RunEventKind kind, string message)
    {
        var runEvent = _events.Add(kind, message, time.GetUtcNow(), _record?.Iteration ?? 0);
        _writer.EventsChanged();
        LogEvent(logger, RunId, kind.Name(), message);
        _units?.Telemetry.Event(runEvent);
        return runEvent;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "run {Run} [{Kind}] {Message}")]
    private static partial void LogEvent(ILogger logger, string run, string kind, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {Run}: a newer activation wrote its state; this activation steps aside")]
    private static partial void LogSteppedAside(ILogger logger, Exception exception, string run);
}
