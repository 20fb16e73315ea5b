using System.Diagnostics;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Segmentation;
using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Worker;

/// <summary>
/// A worker in sync mode: for a lease on micro-batch m of step t it brings its student, teacher and BN statistics to
/// version t (pulled once per version, restored before each further micro-batch of the same step) and its replicas of
/// the memory banks to the banks after step t − 1, computes the micro-batch with the randomness of (seed, t, m), and
/// pushes its gradient and BN-statistics delta to every shard and its negatives to every bank, keyed by (t, m). The
/// shards and banks combine the step's micro-batches in micro-batch order, as <c>u2pl train</c>'s <see cref="MicroBatchedStep"/>.
/// </summary>
internal sealed class SyncWorkerSession : IWorkerSession
{
    private readonly string _key;
    private readonly TrainingOptions _options;
    private readonly TrainingDatasets _datasets;
    private readonly TrainingSchedule _schedule;
    private readonly DeepLabV3Plus _student;
    private readonly DeepLabV3Plus _teacher;
    private readonly Dictionary<string, Tensor> _studentTensors;
    private readonly Dictionary<string, Tensor> _teacherTensors;
    private readonly ShardLayout[] _layouts;
    private readonly IParameterServerGrain[] _shards;
    private readonly IMemoryBankGrain[] _bankGrains;
    private readonly BankReplica[] _banks;
    private readonly U2plStep _step;
    private readonly long[] _versions;
    private readonly long[] _teacherVersions;
    private readonly float[][] _pulledBuffers;
    private readonly long[][] _pulledCounters;
    private readonly BadSampleStatistics _badSamples = new();

    public SyncWorkerSession(string key, WorkerAssignment assignment, IGrainFactory grains, ILogger logger)
    {
        _key = key;
        _options = RunModel.Options(assignment.ConfigText);
        if (assignment.Threads > 0)
        {
            torch.set_num_threads(assignment.Threads);
        }
        _datasets = TrainingDatasets.Create(_options.Data);
        _schedule = RunModel.Schedule(_options, _datasets.Labeled.Count, _datasets.Unlabeled.Count);
        _student = new DeepLabV3Plus(_options.Model);
        _teacher = new DeepLabV3Plus(_options.Model);
        _studentTensors = WorkerSession.Tensors(_student);
        _teacherTensors = WorkerSession.Tensors(_teacher);
        _layouts = ShardLayout.Split(_student, assignment.Shards);
        _shards = Enumerable.Range(0, assignment.Shards).Select(k => grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(assignment.RunId, k))).ToArray();
        _bankGrains = Enumerable.Range(0, _options.Model.NumClasses).Select(c => grains.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(assignment.RunId, c))).ToArray();
        var contrastive = _options.Method.ContrastiveOptions;
        _banks = Enumerable.Range(0, _options.Model.NumClasses)
            .Select(c => new BankReplica(c == 0 ? contrastive.BackgroundBankCapacity : contrastive.BankCapacity))
            .ToArray();
        var ema = new EmaTeacher(_student, _teacher, _options.Method.EmaDecay);
        _step = new U2plStep(_student, ema, new BackwardOnlyUpdate(_student, _options, _schedule), _banks.Select(b => b.Step).ToArray(),
            _options.Method, _schedule, _options.Seed);
        _versions = Enumerable.Repeat(-1L, assignment.Shards).ToArray();
        _teacherVersions = Enumerable.Repeat(-1L, assignment.Shards).ToArray();
        _pulledBuffers = new float[assignment.Shards][];
        _pulledCounters = new long[assignment.Shards][];
        logger.LogInformation("worker {Worker} (sync, {MicroBatches} micro-batches a step): {Labeled} labeled, {Unlabeled} unlabeled images, {Shards} shards",
            key, _options.MicroBatches, _datasets.Labeled.Count, _datasets.Unlabeled.Count, assignment.Shards);
    }

    public StepReport Step(BatchLease lease)
    {
        var clock = Stopwatch.StartNew();
        var semi = _step.IsSemi(lease.Iteration, lease.Unlabeled.Length > 0);
        var contrastive = semi && _options.Method.Contrastive;
        using var labeledLoader = Loader(_datasets.Labeled, SegmentationTransform.Train(_options.Data.TrainAugmentation), lease.Labeled, lease.Epoch, stream: 0);
        using var unlabeledLoader = semi ? Loader(_datasets.Unlabeled, SegmentationTransform.Weak(_options.Data.TrainAugmentation), lease.Unlabeled, lease.Epoch, stream: 1) : null;

        var communication = Stopwatch.StartNew();
        var bytes = Pull(lease.Iteration, semi);
        if (contrastive)
        {
            bytes += CatchUpBanks();
        }
        communication.Stop();

        using var labeled = labeledLoader.Next() ?? throw new InvalidDataException($"lease {lease.LeaseId}: the labeled batch has no usable sample");
        using var unlabeled = unlabeledLoader?.Next();
        using var valid = unlabeled is null ? null : torch.ones([unlabeled.Images.size(0), unlabeled.Images.size(2), unlabeled.Images.size(3)], ScalarType.Bool);
        foreach (var bank in _banks) bank.Step.Begin(lease.MicroBatch);
        var metrics = _step.Run(new LabeledBatch(labeled.Images, labeled.Labels!),
            unlabeled is null ? null : new UnlabeledBatch(unlabeled.Images, valid!), lease.Iteration, lease.MicroBatch);
        NativeHeap.Trim();

        communication.Start();
        var (accepted, pushed) = Push(lease, semi, contrastive);
        bytes += pushed;
        communication.Stop();
        var images = labeled.Count + (semi ? unlabeled?.Count ?? 0 : 0);
        return new StepReport(metrics, images, accepted, 0, clock.Elapsed.TotalSeconds, communication.Elapsed.TotalSeconds, bytes);
    }

    /// <summary>
    /// Brings every shard's student (and the teacher in the semi-supervised phase, or once for the warm-up's teacher
    /// forward) to version <paramref name="version"/>, and the BN statistics back to that version's. Returns the bytes
    /// received. A shard at another version (restored from a checkpoint) makes the lease stale.
    /// </summary>
    private long Pull(long version, bool semi)
    {
        var replies = Task.WhenAll(_shards.Select((shard, k) =>
        {
            if (version < _versions[k])
            {
                _teacherVersions[k] = -1; // the run went back to a checkpoint: this copy of the teacher is from later
            }
            var teacher = semi || (_options.Method.SemiSupervised && _teacherVersions[k] < 0);
            return shard.Pull(_versions[k], false, teacher, _teacherVersions[k]);
        })).GetAwaiter().GetResult();
        long bytes = 0;
        for (var k = 0; k < replies.Length; k++)
        {
            var reply = replies[k];
            if (reply.Version != version)
            {
                throw new StaleLeaseException($"shard {k} is at version {reply.Version}, the lease is for step {version}");
            }
            var layout = _layouts[k];
            if (reply.Student is { } student)
            {
                FlatTensors.ScatterPacked(layout.Parameters, n => _studentTensors[n], student);
                bytes += student.Bytes.LongLength;
            }
            if (reply.Teacher is { } teacher)
            {
                FlatTensors.ScatterPacked(layout.Parameters, n => _teacherTensors[n], teacher);
                _teacherVersions[k] = reply.Version;
                bytes += teacher.Bytes.LongLength;
            }
            if (reply.Buffers is { } buffers)
            {
                _pulledBuffers[k] = buffers.ToArray();
                _pulledCounters[k] = reply.Counters ?? [];
                bytes += buffers.Bytes.LongLength;
            }
            _versions[k] = reply.Version;
            // Every micro-batch starts from the version's statistics, also the second one this worker computes of a step.
            var length = (int)layout.BufferLength;
            FlatTensors.Scatter(layout.Buffers, n => _studentTensors[n], _pulledBuffers[k].AsSpan(0, length));
            FlatTensors.Scatter(layout.Buffers, n => _teacherTensors[n], _pulledBuffers[k].AsSpan(length, length));
            FlatTensors.ScatterCounters(layout.Counters, n => _studentTensors[n], _pulledCounters[k].AsSpan(0, (int)layout.CounterLength));
            FlatTensors.ScatterCounters(layout.Counters, n => _teacherTensors[n], _pulledCounters[k].AsSpan((int)layout.CounterLength));
        }
        return bytes;
    }

    /// <summary>Brings every bank replica to its grain (the banks after the previous step); returns the bytes received.</summary>
    private long CatchUpBanks()
    {
        var replies = Task.WhenAll(_bankGrains.Select((bank, c) => bank.Rows(_banks[c].Generation, _banks[c].Appended))).GetAwaiter().GetResult();
        long bytes = 0;
        for (var c = 0; c < replies.Length; c++)
        {
            _banks[c].Apply(replies[c]);
            bytes += replies[c].Block.Data.Bytes.LongLength;
        }
        return bytes;
    }

    /// <summary>Pushes the micro-batch's gradient and BN-statistics delta to every shard and its negatives to every bank.</summary>
    private (bool Accepted, long Bytes) Push(BatchLease lease, bool semi, bool contrastive)
    {
        long bytes = 0;
        var pushes = new List<Task<PushOutcome>>();
        var resetTeacher = semi && _schedule.IsFirstSemiEpoch(lease.Iteration);
        for (var k = 0; k < _shards.Length; k++)
        {
            var layout = _layouts[k];
            using var gradients = torch.NewDisposeScope(); // each read of .grad is a new tensor handle
            var noGradient = Enumerable.Range(0, layout.Parameters.Count).Where(i => _studentTensors[layout.Parameters[i].Name].grad is null).ToArray();
            float[] buffers = [.. FlatTensors.Gather(layout.Buffers, n => _studentTensors[n], layout.BufferLength), .. FlatTensors.Gather(layout.Buffers, n => _teacherTensors[n], layout.BufferLength)];
            long[] counters = [.. FlatTensors.GatherCounters(layout.Counters, n => _studentTensors[n], layout.CounterLength), .. FlatTensors.GatherCounters(layout.Counters, n => _teacherTensors[n], layout.CounterLength)];
            for (var i = 0; i < buffers.Length; i++) buffers[i] -= _pulledBuffers[k][i];
            for (var i = 0; i < counters.Length; i++) counters[i] -= _pulledCounters[k][i];
            var packed = FlatTensors.GatherPacked(layout.Parameters, n => _studentTensors[n].grad, layout.ParameterLength, half: false);
            bytes += packed.Bytes.LongLength + buffers.LongLength * 4;
            pushes.Add(_shards[k].PushMicroBatch(new GradientPush
            {
                WorkerKey = _key, BaseVersion = lease.Iteration, Iteration = lease.Iteration, MicroBatch = lease.MicroBatch, Generation = lease.Generation, Gradient = packed,
                BufferDelta = buffers, CounterDelta = counters, Semi = semi, ResetTeacher = resetTeacher, NoGradient = noGradient,
            }));
        }
        var bankPushes = new List<Task<bool>>();
        if (contrastive)
        {
            for (var c = 0; c < _banks.Length; c++)
            {
                using var rows = _banks[c].Step.TakePushed(lease.MicroBatch);
                var block = new FeatureBlock { Rows = (int)rows.size(0), Dim = (int)rows.size(1), Data = FlatTensors.Pack(rows.ToArray<float>(), half: false) };
                bytes += block.Data.Bytes.LongLength;
                bankPushes.Add(_bankGrains[c].PushMicroBatch(lease.Generation, lease.Iteration, lease.MicroBatch, block));
            }
        }
        var outcomes = Task.WhenAll(pushes).GetAwaiter().GetResult();
        Task.WhenAll(bankPushes).GetAwaiter().GetResult();
        return (outcomes.All(o => o.Accepted), bytes);
    }

    private BatchLoader Loader(ISegmentationDataset dataset, ISampleTransform transform, int[] indices, int epoch, int stream)
    {
        var options = new BatchLoaderOptions
        {
            BatchSize = indices.Length, PrefetchBatches = 1, Workers = _options.Data.Workers, DropLast = true, OnBadSample = _options.Data.OnBadSample,
        };
        // The sample key of the single-process trainer: the same augmentation wherever and however often the lease runs.
        return new BatchLoader(dataset, transform, indices, options, new SampleKey(_options.Seed, 0, epoch, 0, stream), _badSamples);
    }

    public void Dispose()
    {
        foreach (var bank in _banks) bank.Dispose();
        _student.Dispose();
        _teacher.Dispose();
    }
}

/// <summary>A lease whose step the parameter server is not at (it was restored from a checkpoint): given back, never computed.</summary>
internal sealed class StaleLeaseException(string message) : Exception(message);
