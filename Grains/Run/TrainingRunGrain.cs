using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Placement;
using U2PL.Grains.Model;
using Orleans.Runtime;
using Orleans.Storage;
using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// The run coordinator (<see cref="ITrainingRunGrain"/>). Its record is persisted (fenced) on every change, so a run
/// grain reactivated after its silo died carries on. A timer reconciles every <see cref="TickPeriod"/>: global progress
/// from the dispenser, the phase, checkpoints (every saver.every_steps, at epoch ends, on pause and stop) taken at a
/// barrier (no lease outstanding), validation at epoch ends in the background, the workers (desired vs alive: start
/// missing slots, stop surplus ones), and the status pushed to subscribers.
/// </summary>
[StateSiloPlacement]
[KeepAlive] // its state lives in memory between checkpoints
[GrainType("u2pl.run")]
public sealed partial class TrainingRunGrain(
    ILogger<TrainingRunGrain> logger, [PersistentState("run", GrainState.Storage)] IPersistentState<RunRecord> stored) : Grain, ITrainingRunGrain
{
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WorkerStartGrace = TimeSpan.FromSeconds(180);

    private RunRecord? _record;
    private TrainingOptions? _options;
    private readonly Dictionary<string, WorkerSlot> _workers = [];
    private readonly List<IRunObserver> _observers = [];
    private readonly Dictionary<string, string> _placement = [];
    private List<long> _bankFill = [];
    private DispenserProgress _progress = new();
    private long _staleGradients;
    private WorkerReport? _lastReport;
    private Task<EvaluationOutcome>? _evaluation;
    private IGrainTimer? _timer;
    private DateTimeOffset _tickedAt = DateTimeOffset.UtcNow;
    private DateTimeOffset? _scaledAt;
    private bool _busy;
    private RunCheckpointStore? _store;

    private sealed class WorkerSlot
    {
        public WorkerInfo Info { get; set; } = new();
        public DateTimeOffset StartedAt { get; set; }
        public DateTimeOffset LastHeard { get; set; }
        public bool Reported { get; set; }
        public bool Stopping { get; set; }
    }

    private sealed record EvaluationOutcome(int Epoch, string Model, string Checkpoint, EvaluationResult Result, bool Final, EvaluationDrawing Drawing);

    private RunRecord Record => _record ?? throw new UnknownRunException($"unknown run '{this.GetPrimaryKeyString()}'");

    private TrainingOptions Options => _options ??= RunModel.Options(Record.ConfigText, Record.ConfigSource);

    private string RunId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _record = GrainState.Read(stored);
        if (_record is not null && !IsFinished(_record.State))
        {
            Emit("restored", $"run grain activated on {RuntimeIdentity} (iteration {_record.Iteration})");
            StartTimer();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        CloseTensorBoard();
        return Task.CompletedTask;
    }

    public async Task<RunStatus> Start(RunSpec spec)
    {
        if (_record is not null)
        {
            throw new InvalidOperationException($"run '{RunId}' already exists ({_record.State})");
        }
        var (options, datasets) = Validate(spec);
        _options = options;
        var schedule = RunModel.Schedule(options, datasets.Labeled, datasets.Unlabeled);
        var directory = Path.GetFullPath(Path.Combine(options.OutputDirectory, RunId));
        var resume = spec.ResumeFrom.Length > 0 && RunCheckpointStore.IsStoreUri(spec.ResumeFrom)
            ? await RunCheckpointStore.DownloadLatestAsync(spec.ResumeFrom, Path.Combine(directory, "resumed-from-store"))
            : spec.ResumeFrom;
        var restoreFrom = resume.Length > 0 ? TrainingCheckpoint.Resolve(resume) : "";
        var startIteration = restoreFrom.Length > 0 ? TrainingCheckpoint.ReadInfo(restoreFrom).Iteration : 0;
        var record = new RunRecord
        {
            RunId = RunId, ConfigText = spec.ConfigText, ConfigSource = spec.ConfigSource, State = RunState.Pending,
            DesiredCount = spec.Workers.Count, DesiredAuto = spec.Workers.Auto, Created = DateTimeOffset.UtcNow,
            StepsPerEpoch = schedule.StepsPerEpoch, Epochs = schedule.Epochs, TotalIterations = schedule.TotalIterations,
            LastIteration = Math.Min(schedule.TotalIterations, options.MaxIterations ?? long.MaxValue), WarmupIterations = schedule.WarmupIterations,
            Shards = options.Cluster.Shards, Classes = options.Model.NumClasses, BatchSize = options.Data.BatchSize,
            Semi = options.Method.SemiSupervised && datasets.Unlabeled > 0, CheckpointDirectory = directory,
            Iteration = startIteration, StartIteration = startIteration, EpochsEvaluated = (int)(startIteration / schedule.StepsPerEpoch),
        };
        _record = record;
        foreach (var warning in options.Method.Contrastive ? options.Method.ContrastiveOptions.Warnings(options.Model.NumClasses) : [])
        {
            Emit("warning", warning);
        }
        if (Sync(options) && options.Cluster.WorkerThreads != options.Threads)
        {
            Emit("warning", $"sync mode: the workers run libtorch on cluster.worker_threads={options.Cluster.WorkerThreads} threads (0: all cores), " +
                            $"u2pl train on trainer.threads={options.Threads}: the run equals u2pl train bit for bit only with equal thread counts");
        }
        if (Sync(options) && options.MicroBatches < spec.Workers.Count)
        {
            Emit("warning", $"sync mode with trainer.micro_batches={options.MicroBatches}: at most {options.MicroBatches} of the {spec.Workers.Count} workers " +
                            "compute each step; set trainer.micro_batches to at least the worker count (dataset.batch_size / M ≥ 2)");
        }

        // Every state grain is set up before any worker starts.
        var shards = Enumerable.Range(0, record.Shards).Select(k => GrainFactory.GetGrain<IParameterServerGrain>(GrainKeys.Shard(RunId, k))
            .Setup(new ShardSetup { RunId = RunId, ConfigText = spec.ConfigText, Shard = k, Shards = record.Shards, RestoreFrom = restoreFrom, StepsPerEpoch = schedule.StepsPerEpoch }));
        var contrastive = options.Method.ContrastiveOptions;
        var banks = Enumerable.Range(0, record.Classes).Select(c => GrainFactory.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(RunId, c))
            .Setup(new BankSetup
            {
                RunId = RunId, ClassIndex = c, Capacity = c == 0 ? contrastive.BackgroundBankCapacity : contrastive.BankCapacity, FeatureDim = 256,
                RestoreFrom = restoreFrom, CheckpointDirectory = directory, MicroBatches = Sync(options) ? options.MicroBatches : 0,
            }));
        var dispenser = Dispenser().Setup(new DispenserSetup
        {
            RunId = RunId, Seed = options.Seed, LabeledCount = datasets.Labeled, UnlabeledCount = datasets.Unlabeled, BatchSize = options.Data.BatchSize,
            StepsPerEpoch = schedule.StepsPerEpoch, Epochs = schedule.Epochs, LastIteration = record.LastIteration, CompletedIterations = startIteration,
            LeaseTimeoutSeconds = options.Cluster.LeaseTimeoutSeconds, Semi = record.Semi, CheckpointDirectory = directory,
            MicroBatches = Sync(options) ? options.MicroBatches : 0,
        });
        await Task.WhenAll(shards);
        await Task.WhenAll(banks.Append(dispenser));
        await Dispenser().OpenThrough((record.EpochsEvaluated + 1) * schedule.StepsPerEpoch);

        record.State = Phase(startIteration);
        Emit("started", $"{options.Model.Architecture.Name()} OS{options.Model.OutputStride}, {datasets.Labeled} labeled + {datasets.Unlabeled} unlabeled images, " +
                        $"{record.LastIteration} iterations ({schedule.StepsPerEpoch} per epoch), {record.Shards} shards, workers {spec.Workers}" +
                        (restoreFrom.Length > 0 ? $", resumed from {restoreFrom} at iteration {startIteration}" : ""));
        await Persist();
        await Registry().Register(Summary());
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
        _scaledAt = DateTimeOffset.UtcNow;
        Emit("scaled", $"desired workers: {target} ({DesiredWorkers()} now)");
        await Persist();
        await ReconcileWorkers();
        return Status();
    }

    public async Task<RunStatus> Pause()
    {
        var record = Record;
        if (record.State is RunState.WarmUp or RunState.Semi)
        {
            record.StateBeforePause = record.State;
            record.State = RunState.Paused;
            await Dispenser().Hold(true);
            await Checkpoint("last", holdAfter: true);
            Emit("paused", $"paused at iteration {record.Iteration}");
            await Persist();
        }
        return Status();
    }

    public async Task<RunStatus> Resume()
    {
        var record = Record;
        if (record.State == RunState.Paused)
        {
            record.State = record.StateBeforePause;
            await Dispenser().Hold(false);
            Emit("resumed", $"resumed at iteration {record.Iteration}");
            await Persist();
        }
        return Status();
    }

    public async Task<RunStatus> Stop()
    {
        var record = Record;
        if (!IsFinished(record.State))
        {
            await Dispenser().Hold(true);
            await Checkpoint("last", holdAfter: true);
            record.State = RunState.Stopped;
            Emit("stopped", $"stopped at iteration {record.Iteration}; checkpoint {record.LastCheckpoint}");
            StopAllWorkers("the run was stopped");
            await Finish();
        }
        return Status();
    }

    public async Task<string> Checkpoint()
    {
        var record = Record;
        if (IsFinished(record.State))
        {
            return record.LastCheckpoint;
        }
        await Checkpoint("last", holdAfter: record.State == RunState.Paused);
        await Persist();
        return record.LastCheckpoint;
    }

    public Task<RunEvent[]> GetEvents(long afterSequence) =>
        Task.FromResult(Record.Events.Where(e => e.Sequence > afterSequence).ToArray());

    public Task Subscribe(IRunObserver observer)
    {
        _ = Record;
        if (!_observers.Contains(observer)) _observers.Add(observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IRunObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task<WorkerDirective> Report(WorkerReport report)
    {
        if (_record is null || IsFinished(_record.State))
        {
            return Task.FromResult(WorkerDirective.Stop);
        }
        var key = report.Worker.WorkerKey;
        var slot = Slot(key);
        var now = DateTimeOffset.UtcNow;
        if (!slot.Reported && report.Accepted)
        {
            slot.Reported = true;
            var since = _scaledAt is { } scaled && scaled > slot.StartedAt - TimeSpan.FromSeconds(1) ? $", {(now - scaled).TotalSeconds:F1} s after the scale command" : "";
            Emit("joined", $"{key} on {report.Worker.Silo}: first accepted gradient at iteration {report.Iteration}, {(now - slot.StartedAt).TotalSeconds:F1} s after its start{since}");
        }
        slot.Info = report.Worker;
        slot.LastHeard = now;
        _placement[key] = report.Worker.Silo;
        if (!report.Accepted) _staleGradients++;
        _lastReport = report;
        RecordStep(report);
        RecordMicroBatch(report);
        RecordMetrics(report);
        WriteStepToTensorBoard(report);
        var surplus = GrainKeys.SlotOf(key) >= DesiredWorkers();
        return Task.FromResult(surplus ? WorkerDirective.Stop : WorkerDirective.Continue);
    }

    public Task StateRestored(string grain, long iteration)
    {
        if (_record is { } record)
        {
            var lost = Math.Max(0, record.Iteration - iteration);
            Emit("restored", $"{grain} reactivated after its silo failed, restored from the checkpoint at iteration {iteration}: {lost} steps lost");
            if (grain.StartsWith("u2pl.dispenser", StringComparison.Ordinal))
            {
                record.Iteration = iteration;
            }
            if (Sync(Options) && !IsFinished(record.State))
            {
                return Rewind(record);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sync mode: a state grain came back from the latest checkpoint, so every shard, bank and the dispenser go back to
    /// it too, as a new state generation that voids the leases and pushes of before: the run repeats the same steps
    /// from there and ends where it would have.
    /// </summary>
    private async Task Rewind(RunRecord record)
    {
        var checkpoint = RunModel.LatestCheckpoint(record.CheckpointDirectory) ?? "";
        var iteration = checkpoint.Length > 0 ? TrainingCheckpoint.ReadInfo(checkpoint).Iteration : 0;
        var generation = ++record.Generation;
        await Task.WhenAll(
            Enumerable.Range(0, record.Shards).Select(k => (Task)GrainFactory.GetGrain<IParameterServerGrain>(GrainKeys.Shard(RunId, k)).Rewind(checkpoint, generation))
                .Concat(Enumerable.Range(0, record.Classes).Select(c => GrainFactory.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(RunId, c)).Rewind(checkpoint, generation))));
        await Dispenser().Rewind(iteration, generation);
        record.Iteration = iteration;
        Emit("restored", $"every shard, bank and the dispenser went back to the checkpoint at iteration {iteration} (state generation {generation}): " +
                         "the run repeats the same steps from there");
        await Persist();
    }

    public Task WorkerStopped(string workerKey, string reason)
    {
        if (_workers.Remove(workerKey, out var slot))
        {
            _placement.Remove(workerKey);
            var kind = reason.StartsWith("error", StringComparison.Ordinal) ? "failed" : "left";
            Emit(kind, $"{workerKey} on {slot.Info.Silo} stopped: {reason}");
        }
        return Task.CompletedTask;
    }

    private (TrainingOptions Options, (int Labeled, int Unlabeled) Datasets) Validate(RunSpec spec)
    {
        var problems = new List<string>();
        TrainingOptions? options = null;
        try
        {
            options = RunModel.Options(spec.ConfigText, spec.ConfigSource.Length > 0 ? spec.ConfigSource : "run config");
        }
        catch (ConfigException e)
        {
            problems.Add(e.Message);
        }
        if (!spec.Workers.Auto && spec.Workers.Count < 1) problems.Add($"--workers must be at least 1 or auto, got {spec.Workers.Count}");
        if (spec.ResumeFrom.Length > 0 && !RunCheckpointStore.IsStoreUri(spec.ResumeFrom) && !File.Exists(spec.ResumeFrom) && !Directory.Exists(spec.ResumeFrom)) problems.Add($"--resume: no such checkpoint '{spec.ResumeFrom}'");
        var counts = (0, 0);
        if (options is not null)
        {
            try
            {
                var datasets = TrainingDatasets.Create(options.Data);
                counts = (datasets.Labeled.Count, datasets.Unlabeled.Count);
                if (datasets.Labeled.ClassCount != options.Model.NumClasses)
                {
                    problems.Add($"net.num_classes is {options.Model.NumClasses} but {datasets.Labeled.Name} has {datasets.Labeled.ClassCount} classes");
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
            {
                problems.Add($"dataset: {e.Message}");
            }
        }
        if (problems.Count > 0)
        {
            DeactivateOnIdle();
            throw new RunConfigException($"{(spec.ConfigSource.Length > 0 ? spec.ConfigSource : "the run config")} does not validate:\n  " + string.Join("\n  ", problems));
        }
        return (options!, counts);
    }

    private static bool IsFinished(RunState state) => state is RunState.Completed or RunState.Stopped or RunState.Failed;

    private RunState Phase(long iteration) =>
        Record.Semi && iteration >= Record.WarmupIterations ? RunState.Semi : RunState.WarmUp;

    private static bool Sync(TrainingOptions options) => options.Cluster.Mode == ClusterMode.Sync;

    private IDataDispenserGrain Dispenser() => GrainFactory.GetGrain<IDataDispenserGrain>(RunId);

    private IRunRegistryGrain Registry() => GrainFactory.GetGrain<IRunRegistryGrain>(GrainKeys.Registry);

    private WorkerSlot Slot(string key)
    {
        if (!_workers.TryGetValue(key, out var slot))
        {
            slot = new WorkerSlot { StartedAt = DateTimeOffset.UtcNow, LastHeard = DateTimeOffset.UtcNow, Info = new WorkerInfo { WorkerKey = key, State = "starting" } };
            _workers[key] = slot;
        }
        return slot;
    }

    private void StartTimer()
    {
        _timer ??= this.RegisterGrainTimer(Tick, TimeSpan.FromMilliseconds(200), TickPeriod);
    }

    private async Task Persist()
    {
        try
        {
            await GrainState.WriteAsync(stored, Record);
        }
        catch (InconsistentStateException e)
        {
            // A newer activation of this run exists elsewhere (this silo was cut off and declared dead): step aside.
            logger.LogWarning("run {Run}: {Error}; this activation steps aside", RunId, e.Message);
            _timer?.Dispose();
            DeactivateOnIdle();
            throw;
        }
    }

    private RunEvent Emit(string kind, string message)
    {
        var runEvent = Record.Add(kind, message, DateTimeOffset.UtcNow);
        logger.LogInformation("run {Run} [{Kind}] {Message}", RunId, kind, message);
        foreach (var observer in _observers.ToList())
        {
            _ = Notify(observer, o => o.OnEvent(runEvent));
        }
        return runEvent;
    }

    private async Task Notify(IRunObserver observer, Func<IRunObserver, Task> call)
    {
        try
        {
            await call(observer).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            _observers.Remove(observer); // a client that went away
        }
    }
}
