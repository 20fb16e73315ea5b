using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.DataPlane;
using U2PL.Grains.Placement;
using U2PL.Grains.Model;
using Orleans.Runtime;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Serialization;

namespace U2PL.Grains.ParameterServer;

/// <summary>
/// One shard of a run's parameter server (<see cref="IParameterServerGrain"/>). Its setup is persisted (fenced), its
/// tensors live in memory and in the run's checkpoints: a shard reactivated after its silo died restores itself from
/// the run's latest checkpoint and tells the run how far back that is.
/// </summary>
[ShardSiloPlacement] // state silos, and GPU silos with the shard role
[KeepAlive] // its state lives in memory between checkpoints
[GrainType("u2pl.ps")]
public sealed partial class ParameterServerGrain(
    ILogger<ParameterServerGrain> logger, [PersistentState("setup", GrainState.Storage)] IPersistentState<ShardSetup> stored,
    SiloDataPlane? dataPlane = null) : Grain, IParameterServerGrain
{
    // The weights this version published on the data plane, by (student, teacher): every worker of a version fetches the same body.
    private readonly Dictionary<(bool Student, bool Teacher), TransferDescriptor> _published = [];
    private long _dataPlaneReceived, _dataPlanePublished;
    private ShardSetup? _setup;
    private ShardTensors? _tensors;
    private TrainingOptions? _options;
    private SyncStepBarrier? _barrier;
    private long _accepted, _rejected, _scaled, _maxStaleness, _duplicates;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _setup = GrainState.Read(stored);
        if (_setup is not null)
        {
            // A reactivation after a failover: the run's latest checkpoint, or the initial weights if none was written yet.
            var options = RunModel.Options(_setup.ConfigText);
            // The run writes its checkpoints to <snapshot_dir>/<run id> (TrainingRunGrain.Start).
            var latest = RunModel.LatestCheckpoint(Path.GetFullPath(Path.Combine(options.OutputDirectory, _setup.RunId)));
            var restoredAt = await Load(_setup with { RestoreFrom = latest ?? "" });
            LogRestored(logger, this.GetGrainId(), restoredAt, latest ?? "the initial weights");
            var run = GrainFactory.GetGrain<ITrainingRunGrain>(_setup.RunId);
            _ = run.StateRestored(new StateGrain { Role = StateGrainRole.Shard, Id = this.GetGrainId().ToString() }, latest is null ? 0 : TrainingCheckpoint.ReadInfo(latest).Iteration);
        }
    }

    public async Task<long> Setup(ShardSetup setup)
    {
        if (_setup is not null && _tensors is not null && _setup.RunId == setup.RunId && _setup.Generation == setup.Generation)
        {
            return _tensors.Version;
        }
        var version = await Load(setup);
        await GrainState.WriteAsync(stored, setup);
        return version;
    }

    public async Task<long> Rewind(string checkpoint, long generation)
    {
        var setup = _setup ?? throw new InvalidOperationException($"{this.GetGrainId()} is not set up: the run creates its shards when it starts");
        if (setup.Generation != generation)
        {
            setup = setup with { RestoreFrom = checkpoint, Generation = generation };
            await Load(setup);
            await GrainState.WriteAsync(stored, setup);
        }
        return Tensors().Version;
    }

    public Task<ShardWeights> Pull(long sinceVersion, bool teacher, long teacherAt) =>
        Task.FromResult(Tensors().Pull(sinceVersion, teacher, teacherAt) with { DataPlane = dataPlane?.Address });

    public Task<ShardWeights> PullOnDataPlane(long sinceVersion, bool teacher, long teacherAt, string from)
    {
        var tensors = Tensors();
        if (dataPlane?.Address is not { } address || address == from)
        {
            return Pull(sinceVersion, teacher, teacherAt);
        }
        var parts = (Student: tensors.Version != sinceVersion, Teacher: teacher && tensors.Version != teacherAt);
        if (!parts.Student && !parts.Teacher)
        {
            return Task.FromResult(new ShardWeights { Version = tensors.Version, DataPlane = address });
        }
        if (!_published.TryGetValue(parts, out var transfer))
        {
            transfer = dataPlane.Outbox.Publish(_setup!.Shard, tensors.Version, tensors.Body(parts.Student, parts.Teacher));
            _published[parts] = transfer;
            _dataPlanePublished += transfer.ByteLength;
        }
        return Task.FromResult(new ShardWeights
        {
            Version = tensors.Version, Counters = tensors.Counters(), DataPlane = address,
            Body = new WeightsBody { Transfer = transfer, Student = parts.Student, Teacher = parts.Teacher },
        });
    }

    /// <summary>The weights published for a version that is gone are withdrawn (a fetch already under way still completes).</summary>
    private void WithdrawPublished()
    {
        foreach (var transfer in _published.Values) dataPlane?.Outbox.Withdraw(transfer);
        _published.Clear();
    }

    /// <summary>A push whose tensors came over the data plane, with them taken from the silo's inbox (which throws if they are not there).</summary>
    private GradientPush Landed(GradientPush push)
    {
        if (push.Body is not { } body) return push;
        var inbox = dataPlane?.Inbox ?? throw new InvalidOperationException($"{this.GetGrainId()}: {body} was pushed over a data plane, but this silo has none");
        using var landed = inbox.Take(body);
        _dataPlaneReceived += body.ByteLength;
        return Tensors().Landed(push, landed.Span);
    }

    public Task<PushOutcome> PushGradient(GradientPush push)
    {
        var tensors = Tensors();
        push = Landed(push);
        if (_barrier is not null)
        {
            throw new InvalidOperationException($"{this.GetGrainId()}: the run is in sync mode; workers push micro-batches (PushMicroBatch)");
        }
        var cluster = _options!.Cluster;
        var staleness = tensors.Version - push.BaseVersion;
        _maxStaleness = Math.Max(_maxStaleness, staleness);
        var scale = 1.0;
        // Negative staleness: the worker's weights came from before this shard was restored from a checkpoint.
        if (staleness < 0 || staleness > cluster.Staleness)
        {
            if (staleness < 0 || cluster.StalenessPolicy == StalenessPolicy.Reject)
            {
                _rejected++;
                return Task.FromResult(new PushOutcome { Accepted = false, Version = tensors.Version, Staleness = staleness, Scale = 0 });
            }
            scale = 1.0 / (1 + staleness - cluster.Staleness);
            _scaled++;
        }
        tensors.Apply(push, scale);
        WithdrawPublished();
        _accepted++;
        return Task.FromResult(new PushOutcome { Accepted = true, Version = tensors.Version, Staleness = staleness, Scale = scale });
    }

    public Task<PushOutcome> PushMicroBatch(GradientPush push)
    {
        var tensors = Tensors();
        var barrier = _barrier ?? throw new InvalidOperationException($"{this.GetGrainId()}: the run is in async mode; micro-batches are pushed in sync mode only");
        push = Landed(push);
        var offer = push.Generation == _setup!.Generation ? barrier.Offer(push) : SyncOffer.Refused;
        switch (offer)
        {
            case SyncOffer.Refused:
                _rejected++;
                LogRefused(push.WorkerKey, push.Iteration, push.MicroBatch, tensors.Version);
                return Task.FromResult(new PushOutcome { Accepted = false, Version = tensors.Version, Staleness = tensors.Version - push.BaseVersion, Scale = 0 });
            case SyncOffer.Duplicate:
                _duplicates++;
                return Task.FromResult(new PushOutcome { Accepted = true, Duplicate = true, Version = tensors.Version });
            case SyncOffer.Complete:
                using (var scope = torch.NewDisposeScope())
                using (var step = barrier.Take(push))
                {
                    tensors.Apply(step);
                }
                WithdrawPublished();
                break;
        }
        _accepted++;
        return Task.FromResult(new PushOutcome { Accepted = true, Version = tensors.Version });
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "{Worker}'s micro-batch {MicroBatch} of step {Iteration} refused: the shard is at version {Version}")]
    private partial void LogRefused(string worker, long iteration, int microBatch, long version);

    public Task<ShardState> Export() => Task.FromResult(Tensors().Export());

    public Task<ShardStatistics> Statistics() => Task.FromResult(new ShardStatistics
    {
        Version = _tensors?.Version ?? 0, Accepted = _accepted, RejectedStale = _rejected, ScaledStale = _scaled, Duplicates = _duplicates,
        DataPlaneReceived = _dataPlaneReceived, DataPlanePublished = _dataPlanePublished,
        MaxStaleness = _maxStaleness, Silo = RuntimeIdentity,
    });

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        WithdrawPublished();
        _tensors?.Dispose();
        _tensors = null;
        _barrier?.Dispose();
        _barrier = null;
        return Task.CompletedTask;
    }

    /// <summary>Builds the shard's tensors (the model and a checkpoint read: seconds of work) on a pool thread, then installs them in the turn.</summary>
    private async Task<long> Load(ShardSetup setup)
    {
        var (tensors, options) = await Task.Run(() => Build(setup));
        WithdrawPublished();
        _tensors?.Dispose();
        _tensors = tensors;
        _barrier?.Dispose();
        _barrier = null;
        if (options.Cluster.Mode == ClusterMode.Sync)
        {
            _barrier = new SyncStepBarrier(options.MicroBatches);
            _barrier.Reset(tensors.Version);
        }
        _options = options;
        _setup = setup;
        return tensors.Version;
    }

    private static (ShardTensors Tensors, TrainingOptions Options) Build(ShardSetup setup)
    {
        var options = RunModel.Options(setup.ConfigText);
        var schedule = new TrainingSchedule(setup.StepsPerEpoch, options.Method.Epochs, options.Method.SupervisedOnlyEpochs);
        ShardTensors tensors;
        using (var initial = RunModel.InitialStudent(options))
        {
            tensors = new ShardTensors(ShardLayout.Split(initial, setup.Shards)[setup.Shard], options, schedule, initial);
        }
        if (setup.RestoreFrom.Length > 0)
        {
            var path = TrainingCheckpoint.Resolve(setup.RestoreFrom);
            using var reader = SafeTensorsReader.Open(path);
            tensors.Restore(reader, TrainingCheckpoint.ReadInfo(path).Iteration);
        }
        return (tensors, options);
    }

    private ShardTensors Tensors() =>
        _tensors ?? throw new InvalidOperationException($"{this.GetGrainId()} is not set up: the run creates its shards when it starts");

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain} reactivated: restored at version {Version} from {Source}")]
    private static partial void LogRestored(ILogger logger, GrainId grain, long version, string source);
}
