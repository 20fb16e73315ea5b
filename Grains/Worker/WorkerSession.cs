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
internal sealed partial class WorkerSession : IWorkerSession
{
    private readonly WorkerRun _run;
    private readonly WorkerCalls _calls;
    private readonly CachedMemoryBank[] _banks;
    private readonly EmaTeacher _ema;
    private readonly U2plStep _step;
    private readonly long[] _versions;
    private readonly TeacherCopy[] _teacherCopies;
    private readonly float[][] _pulledBuffers;
    private readonly long[][] _pulledCounters;
    private long _steps;

    public WorkerSession(string key, WorkerAssignment assignment, IGrainFactory grains, DatasetTypes datasetTypes, WorkerCalls calls, ILogger logger)
    {
        _run = new WorkerRun(key, assignment, grains, datasetTypes);
        _calls = calls;
        _banks = Enumerable.Range(0, _run.Options.Model.NumClasses).Select(_ => new CachedMemoryBank(_run.Options.Cluster.BankCacheRows, 256)).ToArray();
        _ema = new EmaTeacher(_run.Student, _run.Teacher, _run.Options.Method.EmaDecay);
        _step = new U2plStep(_run.Student, _ema, new BackwardOnlyUpdate(_run.Student, _run.Options, _run.Schedule), _banks, _run.Options.Method, _run.Schedule, _run.Options.Seed);
        _versions = Enumerable.Repeat(-1L, assignment.Shards).ToArray();
        _teacherCopies = _run.Layouts.Select(layout => new TeacherCopy(layout, _run.StudentTensors, _run.TeacherTensors)).ToArray();
        _pulledBuffers = new float[assignment.Shards][];
        _pulledCounters = new long[assignment.Shards][];
        LogStarted(logger, key, _run.Datasets.Labeled.Count, _run.Datasets.Unlabeled.Count, assignment.Shards);
    }

    public StepReport Step(BatchLease lease)
    {
        var clock = Stopwatch.StartNew();
        var semi = _step.IsSemi(lease.Iteration, lease.Unlabeled.Length > 0);
        using var labeledLoader = _run.Loader(SegmentationTransform.Train(_run.Options.Data.TrainAugmentation), lease.Labeled, lease.Epoch, stream: 0);
        using var unlabeledLoader = semi ? _run.Loader(SegmentationTransform.Weak(_run.Options.Data.TrainAugmentation), lease.Unlabeled, lease.Epoch, stream: 1) : null;

        var communication = Stopwatch.StartNew();
        var bytes = Pull(semi);
        if (_steps % _run.Options.Cluster.BankRefreshSteps == 0 && semi && _run.Options.Method.Contrastive)
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
        var resetTeacher = semi && _run.Schedule.IsFirstSemiEpoch(lease.Iteration);

        communication.Start();
        var (accepted, staleness, pushed) = Push(lease, semi, resetTeacher);
        bytes += pushed;
        communication.Stop();
        _steps++;
        var images = labeled.Count + (semi ? unlabeled?.Count ?? 0 : 0);
        return new StepReport(metrics, images, Task.FromResult(accepted), staleness, clock.Elapsed.TotalSeconds, communication.Elapsed.TotalSeconds, bytes);
    }

    /// <summary>
    /// Pulls every shard whose version moved, the teacher too in the semi-supervised phase unless the worker's
    /// <see cref="TeacherCopy"/> can repeat the shard's step, and once in the warm-up: the warm-up's teacher forward
    /// (<see cref="U2plStep.WarmUpTeacherStatistics"/>) must run the shard's teacher, which does not move until the
    /// semi-supervised phase, not this worker's own initialisation. Returns the bytes received.
    /// </summary>
    private long Pull(bool semi)
    {
        var replies = _calls.Wait(Task.WhenAll(_run.Shards.Select((shard, k) =>
        {
            var teacher = semi || (_run.Options.Method.SemiSupervised && !_teacherCopies[k].Pulled);
            return shard.Pull(_versions[k], teacher, _teacherCopies[k].CurrentAt);
        })));
        long bytes = 0;
        for (var k = 0; k < replies.Length; k++)
        {
            var reply = replies[k];
            var layout = _run.Layouts[k];
            if (reply.Student is { } student)
            {
                FlatTensors.ScatterPacked(layout.Parameters, n => _run.StudentTensors[n], student);
                bytes += student.Bytes.LongLength;
            }
            bytes += _teacherCopies[k].Received(reply);
            if (reply.Buffers is { } buffers)
            {
                var length = (int)layout.BufferLength;
                FlatTensors.Scatter(layout.Buffers, n => _run.StudentTensors[n], buffers.Span[..length]);
                FlatTensors.Scatter(layout.Buffers, n => _run.TeacherTensors[n], buffers.Span.Slice(length, length));
                FlatTensors.ScatterCounters(layout.Counters, n => _run.StudentTensors[n], reply.Counters.AsSpan(0, (int)layout.CounterLength));
                FlatTensors.ScatterCounters(layout.Counters, n => _run.TeacherTensors[n], reply.Counters.AsSpan((int)layout.CounterLength));
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
        var half = _run.Options.Cluster.HalfPrecisionWire;
        long bytes = 0;
        var pushes = new List<Task<PushOutcome>>();
        for (var k = 0; k < _run.Shards.Length; k++)
        {
            var layout = _run.Layouts[k];
            // Each read of .grad is a new tensor handle: the scope frees them.
            using var gradients = torch.NewDisposeScope();
            var noGradient = new List<int>();
            for (var i = 0; i < layout.Parameters.Count; i++)
            {
                if (_run.StudentTensors[layout.Parameters[i].Name].grad is null) noGradient.Add(i);
            }
            float[] buffers = [.. FlatTensors.Gather(layout.Buffers, n => _run.StudentTensors[n], layout.BufferLength), .. FlatTensors.Gather(layout.Buffers, n => _run.TeacherTensors[n], layout.BufferLength)];
            long[] counters = [.. FlatTensors.GatherCounters(layout.Counters, n => _run.StudentTensors[n], layout.CounterLength), .. FlatTensors.GatherCounters(layout.Counters, n => _run.TeacherTensors[n], layout.CounterLength)];
            var pulled = _pulledBuffers[k];
            for (var i = 0; i < buffers.Length; i++) buffers[i] -= pulled[i];
            for (var i = 0; i < counters.Length; i++) counters[i] -= _pulledCounters[k][i];
            var packed = FlatTensors.GatherPacked(layout.Parameters, n => _run.StudentTensors[n].grad, layout.ParameterLength, _run.Options.Cluster.Wire);
            bytes += packed.Bytes.LongLength + buffers.LongLength * 4;
            pushes.Add(_run.Shards[k].PushGradient(new GradientPush
            {
                WorkerKey = _run.Key, BaseVersion = _versions[k], Iteration = lease.Iteration, Gradient = packed, BufferDelta = buffers,
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
                bankPushes.Add(_run.BankGrains[c].Push(block));
            }
        }
        PushOutcome[] outcomes;
        try
        {
            outcomes = _calls.WaitForPushes(WorkerCalls.AllOf(pushes, bankPushes), all => all.Any(o => o.Accepted));
        }
        catch
        {
            // Whether the shards took the gradient is unknown (and the step may have reset the local teacher): pull the teacher next time.
            foreach (var copy in _teacherCopies) copy.Forget();
            throw;
        }
        var decay = semi ? _ema.Decay(lease.Iteration, _run.Schedule.WarmupIterations) : (double?)null;
        for (var k = 0; k < outcomes.Length; k++)
        {
            _teacherCopies[k].Pushed(outcomes[k], _versions[k], resetTeacher, decay);
        }
        return (outcomes.Any(o => o.Accepted), outcomes.Max(o => o.Staleness), bytes);
    }

    /// <summary>Replaces every bank cache with a fresh sample of the bank grain; returns the bytes received.</summary>
    private long RefreshBanks()
    {
        var half = _run.Options.Cluster.HalfPrecisionWire;
        var samples = _calls.Wait(Task.WhenAll(_run.BankGrains.Select(bank => bank.Sample(_run.Options.Cluster.BankCacheRows, half))));
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



    public void Dispose()
    {
        foreach (var bank in _banks) bank.Dispose();
        _run.Dispose();
    }

    [LoggerMessage(EventId = 3221, Level = LogLevel.Information, Message = "worker {Worker}: {Labeled} labeled, {Unlabeled} unlabeled images, {Shards} shards")]
    private static partial void LogStarted(ILogger logger, string worker, int labeled, int unlabeled, int shards);
}
