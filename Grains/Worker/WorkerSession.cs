using U2PL.Segmentation;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Model;
using Orleans.Runtime;
using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Worker;

/// <summary>
/// Everything a worker holds while it trains: the datasets, local copies of the student and teacher, the shard
/// layouts, the versions it last pulled, its memory-bank caches, and the U2PL step. One step = pull, load the leased
/// batch, <see cref="U2plStep.Run"/>, push.
/// </summary>
internal sealed class WorkerSession : IWorkerSession
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
    private readonly CachedMemoryBank[] _banks;
    private readonly EmaTeacher _ema;
    private readonly U2plStep _step;
    private readonly long[] _versions;
    private readonly TeacherCopy[] _teacherCopies;
    private readonly float[][] _pulledBuffers;
    private readonly long[][] _pulledCounters;
    private readonly BadSampleStatistics _badSamples = new();
    private long _steps;

    public WorkerSession(string key, WorkerAssignment assignment, IGrainFactory grains, ILogger logger)
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
        _studentTensors = Tensors(_student);
        _teacherTensors = Tensors(_teacher);
        _layouts = ShardLayout.Split(_student, assignment.Shards);
        _shards = Enumerable.Range(0, assignment.Shards).Select(k => grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(assignment.RunId, k))).ToArray();
        _bankGrains = Enumerable.Range(0, _options.Model.NumClasses).Select(c => grains.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(assignment.RunId, c))).ToArray();
        _banks = Enumerable.Range(0, _options.Model.NumClasses).Select(_ => new CachedMemoryBank(_options.Cluster.BankCacheRows, 256)).ToArray();
        _ema = new EmaTeacher(_student, _teacher, _options.Method.EmaDecay);
        _step = new U2plStep(_student, _ema, new BackwardOnlyUpdate(_student, _options, _schedule), _banks, _options.Method, _schedule, _options.Seed);
        _versions = Enumerable.Repeat(-1L, assignment.Shards).ToArray();
        _teacherCopies = _layouts.Select(layout => new TeacherCopy(layout, _studentTensors, _teacherTensors)).ToArray();
        _pulledBuffers = new float[assignment.Shards][];
        _pulledCounters = new long[assignment.Shards][];
        logger.LogInformation("worker {Worker}: {Labeled} labeled, {Unlabeled} unlabeled images, {Shards} shards", key, _datasets.Labeled.Count, _datasets.Unlabeled.Count, assignment.Shards);
    }

    public StepReport Step(BatchLease lease)
    {
        var clock = Stopwatch.StartNew();
        var semi = _step.IsSemi(lease.Iteration, lease.Unlabeled.Length > 0);
        using var labeledLoader = Loader(_datasets.Labeled, SegmentationTransform.Train(_options.Data.TrainAugmentation), lease.Labeled, lease.Epoch, stream: 0);
        using var unlabeledLoader = semi ? Loader(_datasets.Unlabeled, SegmentationTransform.Weak(_options.Data.TrainAugmentation), lease.Unlabeled, lease.Epoch, stream: 1) : null;

        var communication = Stopwatch.StartNew();
        var bytes = Pull(semi);
        if (_steps % _options.Cluster.BankRefreshSteps == 0 && semi && _options.Method.Contrastive)
        {
            bytes += RefreshBanks();
        }
        communication.Stop();

        using var labeled = labeledLoader.Next() ?? throw new InvalidDataException($"lease {lease.LeaseId}: the labeled batch has no usable sample");
        using var unlabeled = unlabeledLoader?.Next();
        using var valid = unlabeled is null ? null : torch.ones([unlabeled.Images.size(0), unlabeled.Images.size(2), unlabeled.Images.size(3)], ScalarType.Bool);
        var metrics = _step.Run(new LabeledBatch(labeled.Images, labeled.Labels!),
            unlabeled is null ? null : new UnlabeledBatch(unlabeled.Images, valid!), lease.Iteration);
        NativeHeap.Trim();
        var resetTeacher = semi && _schedule.IsFirstSemiEpoch(lease.Iteration);

        communication.Start();
        var (accepted, staleness, pushed) = Push(lease, semi, resetTeacher);
        bytes += pushed;
        communication.Stop();
        _steps++;
        var images = labeled.Count + (semi ? unlabeled?.Count ?? 0 : 0);
        return new StepReport(metrics, images, accepted, staleness, clock.Elapsed.TotalSeconds, communication.Elapsed.TotalSeconds, bytes);
    }

    /// <summary>
    /// Pulls every shard whose version moved, the teacher too in the semi-supervised phase unless the worker's
    /// <see cref="TeacherCopy"/> can repeat the shard's step, and once in the warm-up: the warm-up's teacher forward
    /// (<see cref="U2plStep.WarmUpTeacherStatistics"/>) must run the shard's teacher, which does not move until the
    /// semi-supervised phase, not this worker's own initialisation. Returns the bytes received.
    /// </summary>
    private long Pull(bool semi)
    {
        var half = _options.Cluster.HalfPrecisionWire;
        var replies = Task.WhenAll(_shards.Select((shard, k) =>
        {
            var teacher = semi || (_options.Method.SemiSupervised && !_teacherCopies[k].Pulled);
            return shard.Pull(_versions[k], half, teacher, _teacherCopies[k].CurrentAt);
        })).GetAwaiter().GetResult();
        long bytes = 0;
        for (var k = 0; k < replies.Length; k++)
        {
            var reply = replies[k];
            var layout = _layouts[k];
            if (reply.Student is { } student)
            {
                FlatTensors.ScatterPacked(layout.Parameters, n => _studentTensors[n], student);
                bytes += student.Bytes.LongLength;
            }
            bytes += _teacherCopies[k].Received(reply);
            if (reply.Buffers is { } buffers)
            {
                var length = (int)layout.BufferLength;
                FlatTensors.Scatter(layout.Buffers, n => _studentTensors[n], buffers.Span[..length]);
                FlatTensors.Scatter(layout.Buffers, n => _teacherTensors[n], buffers.Span.Slice(length, length));
                FlatTensors.ScatterCounters(layout.Counters, n => _studentTensors[n], reply.Counters.AsSpan(0, (int)layout.CounterLength));
                FlatTensors.ScatterCounters(layout.Counters, n => _teacherTensors[n], reply.Counters.AsSpan((int)layout.CounterLength));
                _pulledBuffers[k] = buffers.ToArray();
                _pulledCounters[k] = reply.Counters ?? [];
                bytes += buffers.Bytes.LongLength;
            }
            _versions[k] = reply.Version;
        }
        return bytes;
    }

    /// <summary>Pushes the gradient (and the BN statistics' movement) to every shard, and the step's negatives to every bank.</summary>
    private (bool Accepted, long Staleness, long Bytes) Push(BatchLease lease, bool semi, bool resetTeacher)
    {
        var half = _options.Cluster.HalfPrecisionWire;
        long bytes = 0;
        var pushes = new List<Task<PushOutcome>>();
        for (var k = 0; k < _shards.Length; k++)
        {
            var layout = _layouts[k];
            // Each read of .grad is a new tensor handle: the scope frees them.
            using var gradients = torch.NewDisposeScope();
            var noGradient = new List<int>();
            for (var i = 0; i < layout.Parameters.Count; i++)
            {
                if (_studentTensors[layout.Parameters[i].Name].grad is null) noGradient.Add(i);
            }
            float[] buffers = [.. FlatTensors.Gather(layout.Buffers, n => _studentTensors[n], layout.BufferLength), .. FlatTensors.Gather(layout.Buffers, n => _teacherTensors[n], layout.BufferLength)];
            long[] counters = [.. FlatTensors.GatherCounters(layout.Counters, n => _studentTensors[n], layout.CounterLength), .. FlatTensors.GatherCounters(layout.Counters, n => _teacherTensors[n], layout.CounterLength)];
            var pulled = _pulledBuffers[k];
            for (var i = 0; i < buffers.Length; i++) buffers[i] -= pulled[i];
            for (var i = 0; i < counters.Length; i++) counters[i] -= _pulledCounters[k][i];
            var packed = FlatTensors.GatherPacked(layout.Parameters, n => _studentTensors[n].grad, layout.ParameterLength, half);
            bytes += packed.Bytes.LongLength + buffers.LongLength * 4;
            pushes.Add(_shards[k].PushGradient(new GradientPush
            {
                WorkerKey = _key, BaseVersion = _versions[k], Iteration = lease.Iteration, Gradient = packed, BufferDelta = buffers,
                CounterDelta = counters, Semi = semi, ResetTeacher = resetTeacher, NoGradient = [.. noGradient],
            }));
        }
        var bankPushes = new List<Task>();
        for (var c = 0; c < _banks.Length; c++)
        {
            if (_banks[c].TakePending(out var rows) is { } values)
            {
                var block = new FeatureBlock { Rows = rows, Dim = (int)_banks[c].FeatureDim, Data = FlatTensors.Pack(values, half) };
                bytes += block.Data.Bytes.LongLength;
                bankPushes.Add(_bankGrains[c].Push(block));
            }
        }
        var outcomes = Task.WhenAll(pushes).GetAwaiter().GetResult();
        Task.WhenAll(bankPushes).GetAwaiter().GetResult();
        var decay = semi ? _ema.Decay(lease.Iteration, _schedule.WarmupIterations) : (double?)null;
        for (var k = 0; k < outcomes.Length; k++)
        {
            _teacherCopies[k].Pushed(outcomes[k], _versions[k], resetTeacher, decay);
        }
        return (outcomes.Any(o => o.Accepted), outcomes.Max(o => o.Staleness), bytes);
    }

    /// <summary>Replaces every bank cache with a fresh sample of the bank grain; returns the bytes received.</summary>
    private long RefreshBanks()
    {
        var half = _options.Cluster.HalfPrecisionWire;
        var samples = Task.WhenAll(_bankGrains.Select(bank => bank.Sample(_options.Cluster.BankCacheRows, half))).GetAwaiter().GetResult();
        long bytes = 0;
        for (var c = 0; c < samples.Length; c++)
        {
            if (samples[c].Rows > 0)
            {
                _banks[c].Refresh(FlatTensors.Unpack(samples[c].Data), samples[c].Rows);
                bytes += samples[c].Data.Bytes.LongLength;
            }
        }
        return bytes;
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

    internal static Dictionary<string, Tensor> Tensors(DeepLabV3Plus model) =>
        model.named_parameters().Select(e => (e.name, (Tensor)e.parameter)).Concat(model.named_buffers()).ToDictionary(e => e.Item1, e => e.Item2);

    public void Dispose()
    {
        foreach (var bank in _banks) bank.Dispose();
        _student.Dispose();
        _teacher.Dispose();
    }
}
