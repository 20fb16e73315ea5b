using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.DataPlane;
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
/// The pushes are not waited for here: the loop completes the lease once they answer, while this worker computes its
/// next micro-batch of the same step, which needs no pull (version t is here) and no bank catch-up (the banks commit
/// step t only once all its micro-batches are in). A worker that computed a micro-batch of step t pulls only the student
/// of version t + 1 and repeats the shard's teacher step of step t itself (<see cref="StepsTeacher"/>): the teacher is
/// a function of the two students, so it is not sent.
/// </summary>
internal sealed partial class SyncWorkerSession : IWorkerSession
{
    private readonly WorkerRun _run;
    private readonly WorkerCalls _calls;
    private readonly BankReplica[] _banks;
    private readonly U2plStep _step;
    private readonly long[] _versions;
    private readonly long[] _teacherVersions;
    private readonly float[][] _pulledBuffers;
    private readonly long[][] _pulledCounters;
    private readonly SiloDataPlane? _dataPlane;
    // Each shard silo's data-plane address, from its last pull; null: ask the shard again (a push there failed).
    private readonly string?[] _addresses;
    private readonly byte[][] _fetched;
    /// <summary>Push bodies, one per shard in flight: a pool of the session's own, not the shared pool (see PooledTensorSink).</summary>
    private readonly ArrayPool<byte> _bodies = ArrayPool<byte>.Create(1 << 30, 4);
    // Each bank silo's data-plane address, from its last catch-up; null: push there in Orleans messages until the next.
    private readonly string?[] _bankAddresses;
    private long _pulledGeneration = -1;
    // The last step this worker computed a micro-batch of: what the shards' teacher step of that step does.
    private (long Generation, long Iteration, bool Semi, bool ResetTeacher) _computed = (-1, -1, false, false);
    private (long Generation, long Version) _banksCaughtUp = (-1, -1);

    /// <summary>A session whose tensors travel over <paramref name="dataPlane"/> (this silo's), or in Orleans messages when it is null.</summary>
    public SyncWorkerSession(string key, WorkerAssignment assignment, IGrainFactory grains, DatasetTypes datasetTypes, SiloDataPlane? dataPlane, WorkerCalls calls, ILogger logger)
    {
        _dataPlane = dataPlane;
        _run = new WorkerRun(key, assignment, grains, datasetTypes);
        _calls = calls;
        var contrastive = _run.Options.Method.ContrastiveOptions;
        _banks = Enumerable.Range(0, _run.Options.Model.NumClasses)
            .Select(c => new BankReplica(c == 0 ? contrastive.BackgroundBankCapacity : contrastive.BankCapacity))
            .ToArray();
        var ema = new EmaTeacher(_run.Student, _run.Teacher, _run.Options.Method.EmaDecay);
        _step = new U2plStep(_run.Student, ema, new BackwardOnlyUpdate(_run.Student, _run.Options, _run.Schedule), _banks.Select(b => b.Step).ToArray(),
            _run.Options.Method, _run.Schedule, _run.Options.Seed);
        _versions = Enumerable.Repeat(-1L, assignment.Shards).ToArray();
        _teacherVersions = Enumerable.Repeat(-1L, assignment.Shards).ToArray();
        _pulledBuffers = new float[assignment.Shards][];
        _pulledCounters = new long[assignment.Shards][];
        _addresses = new string?[assignment.Shards];
        _fetched = Enumerable.Repeat(Array.Empty<byte>(), assignment.Shards).ToArray();
        _bankAddresses = new string?[_banks.Length];
        LogStarted(logger, key, _run.Options.MicroBatches, _run.Datasets.Labeled.Count, _run.Datasets.Unlabeled.Count, assignment.Shards,
            dataPlane is null ? "Orleans messages" : "the data plane");
    }

    public StepReport Step(BatchLease lease)
    {
        var clock = Stopwatch.StartNew();
        var semi = _step.IsSemi(lease.Iteration, lease.Unlabeled.Length > 0);
        var contrastive = semi && _run.Options.Method.Contrastive;
        using var labeledLoader = _run.Loader(SegmentationTransform.Train(_run.Options.Data.TrainAugmentation), lease.Labeled, lease.Epoch, stream: 0);
        using var unlabeledLoader = semi ? _run.Loader(SegmentationTransform.Weak(_run.Options.Data.TrainAugmentation), lease.Unlabeled, lease.Epoch, stream: 1) : null;

        var communication = Stopwatch.StartNew();
        var bytes = Pull(lease, semi);
        if (contrastive && _banksCaughtUp != (lease.Generation, lease.Iteration))
        {
            bytes += CatchUpBanks();
            _banksCaughtUp = (lease.Generation, lease.Iteration);
        }
        communication.Stop();

        using var labeled = labeledLoader.Next() ?? throw new InvalidDataException($"lease {lease.LeaseId}: the labeled batch has no usable sample");
        using var unlabeled = unlabeledLoader?.Next();
        using var valid = unlabeled is null ? null : torch.ones([unlabeled.Images.size(0), unlabeled.Images.size(2), unlabeled.Images.size(3)], ScalarType.Bool);
        foreach (var bank in _banks) bank.Step.Begin(lease.MicroBatch);
        _computed = (lease.Generation, lease.Iteration, semi, semi && _run.Schedule.IsFirstSemiEpoch(lease.Iteration));
        var metrics = _step.Run(new LabeledBatch(labeled.Images, labeled.Labels!),
            unlabeled is null ? null : new UnlabeledBatch(unlabeled.Images, valid!), lease.Iteration, lease.MicroBatch);
        NativeHeap.Trim();

        communication.Start();
        var (pushes, pushed) = Push(lease, semi, contrastive);
        bytes += pushed;
        communication.Stop();
        var images = labeled.Count + (semi ? unlabeled?.Count ?? 0 : 0);
        return new StepReport(metrics, images, pushes, 0, clock.Elapsed.TotalSeconds, communication.Elapsed.TotalSeconds, bytes);
    }

    /// <summary>
    /// Brings every shard's student (and the teacher in the semi-supervised phase, or once for the warm-up's teacher
    /// forward) to the lease's version t, and the BN statistics back to that version's. Returns the bytes
    /// received. A shard at another version (restored from a checkpoint) makes the lease stale. A further micro-batch
    /// of the version this worker holds asks nothing: its BN statistics go back to the version's. The teacher of version
    /// t + 1 is asked for only where this worker cannot repeat step t's teacher step (<see cref="StepsTeacher"/>).
    /// </summary>
    private long Pull(BatchLease lease, bool semi)
    {
        var version = lease.Iteration;
        if (lease.Generation == _pulledGeneration && Enumerable.Range(0, _versions.Length).All(k => _versions[k] == version && (!TeacherWanted(k, semi) || _teacherVersions[k] == version))
            && (_dataPlane is null || _addresses.All(a => a is not null)))
        {
            for (var k = 0; k < _versions.Length; k++) RestoreStatistics(k, _run.Layouts[k]);
            return 0;
        }
        var stepsTeacher = new bool[_versions.Length];
        var replies = _calls.Wait(Task.WhenAll(_run.Shards.Select((shard, k) =>
        {
            if (version < _versions[k])
            {
                _teacherVersions[k] = -1; // the run went back to a checkpoint: this copy of the teacher is from later
            }
            stepsTeacher[k] = StepsTeacher(k, lease);
            return PullShard(k, shard, TeacherWanted(k, semi), stepsTeacher[k] ? version : _teacherVersions[k]);
        })));
        long bytes = 0;
        for (var k = 0; k < replies.Length; k++)
        {
            var (reply, fetched) = replies[k];
            var layout = _run.Layouts[k];
            _addresses[k] = reply.DataPlane;
            if (reply.Version > version && _versions[k] == version)
            {
                // The shard applied step t without this micro-batch's push reaching this worker's lease: a worker died
                // after pushing it there but before completing it. This worker still holds version t: compute it again
                // on that copy, so that the shards and banks it did not reach get it (the others count a duplicate).
                RestoreStatistics(k, layout);
                continue;
            }
            if (reply.Version != version)
            {
                throw new StaleLeaseException($"shard {k} is at version {reply.Version}, the lease is for step {version}");
            }
            var teacherSent = reply.Teacher is not null || reply.Body is { Teacher: true };
            var repeatTeacherStep = stepsTeacher[k] && !teacherSent;
            if (repeatTeacherStep && _computed.ResetTeacher)
            {
                ShardTeacherStep.Reset(layout, _run.StudentTensors, _run.TeacherTensors); // on the student of version t, before the new one lands
            }
            if (reply.Body is { } body)
            {
                bytes += Install(k, layout, body, fetched);
            }
            if (reply.Student is { } student)
            {
                FlatTensors.ScatterPacked(layout.Parameters, n => _run.StudentTensors[n], student);
                bytes += student.Bytes.LongLength;
            }
            if (reply.Teacher is { } teacher)
            {
                FlatTensors.ScatterPacked(layout.Parameters, n => _run.TeacherTensors[n], teacher);
                _teacherVersions[k] = reply.Version;
                bytes += teacher.Bytes.LongLength;
            }
            if (repeatTeacherStep)
            {
                if (_computed.Semi)
                {
                    ShardTeacherStep.Ema(layout, _run.StudentTensors, _run.TeacherTensors,
                        EmaTeacher.Decay(_computed.Iteration, _run.Schedule.WarmupIterations, _run.Options.Method.EmaDecay));
                }
                _teacherVersions[k] = reply.Version;
            }
            if (reply.Buffers is { } buffers)
            {
                _pulledBuffers[k] = buffers.ToArray();
                bytes += buffers.Bytes.LongLength;
            }
            if (reply.Counters is { } counters) _pulledCounters[k] = counters;
            _versions[k] = reply.Version;
            RestoreStatistics(k, layout);
        }
        _pulledGeneration = lease.Generation;
        return bytes;
    }

    /// <summary>
    /// Whether this worker can bring shard <paramref name="k"/>'s teacher from version t to t + 1 = the lease's step
    /// itself: it holds version t of the student and computed a micro-batch of step t (so it knows whether step t was
    /// semi-supervised and reset the teacher), its teacher is version t's (or step t resets it), and the wire is fp32
    /// (a rounded student would give another teacher than the shard's). The step is then the shard's own, on the same
    /// values: bit-equal.
    /// </summary>
    private bool StepsTeacher(int k, BatchLease lease)
    {
        var t = lease.Iteration - 1;
        return _run.Options.Cluster.Wire == WirePrecision.Fp32
            && _computed.Generation == lease.Generation && _computed.Iteration == t && lease.Generation == _pulledGeneration
            && _versions[k] == t && (_teacherVersions[k] == t || _computed.ResetTeacher);
    }

    /// <summary>A shard's answer, and the body of its weights fetched from its data plane when it sent them there.</summary>
    private async Task<(ShardWeights Reply, Memory<byte> Fetched)> PullShard(int k, IParameterServerGrain shard, bool teacher, long teacherAt)
    {
        if (_dataPlane is null)
        {
            return (await shard.Pull(_versions[k], teacher, teacherAt), Memory<byte>.Empty);
        }
        var reply = await shard.PullOnDataPlane(_versions[k], teacher, teacherAt, _dataPlane.Address ?? "");
        if (reply.Body is not { Transfer: var transfer } || reply.DataPlane is not { } address)
        {
            return (reply, Memory<byte>.Empty);
        }
        if (_fetched[k].LongLength != transfer.ByteLength) _fetched[k] = new byte[transfer.ByteLength];
        var destination = _fetched[k].AsMemory();
        var got = await Transfer(address, client => client.FetchAsync(transfer with { Checksum = 0 }, destination));
        if (got.ByteLength != transfer.ByteLength)
        {
            throw new InvalidDataException($"shard {k}: {got} from {address} is not the {transfer} it announced");
        }
        return (reply, destination);
    }

    /// <summary>
    /// Scatters a fetched body (the student if sent, the teacher if sent, in the bytes of cluster.wire, then the float32
    /// buffers) into this worker's models; returns its bytes.
    /// </summary>
    private long Install(int k, ShardLayout layout, WeightsBody body, Memory<byte> fetched)
    {
        var bytes = fetched.Span;
        var wire = _run.Options.Cluster.Wire;
        var parameters = (int)layout.ParameterLength;
        var parameterBytes = parameters * WireCodec.BytesPerValue(wire);
        var expected = (body.Student ? parameterBytes : 0) + (body.Teacher ? parameterBytes : 0) + 2 * (int)layout.BufferLength * sizeof(float);
        if (bytes.Length != expected)
        {
            throw new InvalidDataException($"shard {k}: {body.Transfer} holds {bytes.Length} bytes, the layout at {wire} {expected}");
        }
        var values = wire == WirePrecision.Fp32 ? null : new float[parameters];
        foreach (var (sent, model) in new[] { (body.Student, _run.StudentTensors), (body.Teacher, _run.TeacherTensors) })
        {
            if (!sent) continue;
            var part = bytes[..parameterBytes];
            if (values is null)
            {
                FlatTensors.Scatter(layout.Parameters, n => model[n], MemoryMarshal.Cast<byte, float>(part));
            }
            else
            {
                WireCodec.Decode(part, values, wire);
                FlatTensors.Scatter(layout.Parameters, n => model[n], values);
            }
            bytes = bytes[parameterBytes..];
        }
        if (body.Teacher) _teacherVersions[k] = body.Transfer.Version;
        _pulledBuffers[k] = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        return body.Transfer.ByteLength;
    }

    /// <summary>The teacher is pulled at every version of the semi-supervised phase, and once before (the warm-up's teacher forward).</summary>
    private bool TeacherWanted(int k, bool semi) => semi || (_run.Options.Method.SemiSupervised && _teacherVersions[k] < 0);

    /// <summary>Every micro-batch starts from the version's BN statistics, also the second one this worker computes of a step.</summary>
    private void RestoreStatistics(int k, ShardLayout layout)
    {
        var length = (int)layout.BufferLength;
        FlatTensors.Scatter(layout.Buffers, n => _run.StudentTensors[n], _pulledBuffers[k].AsSpan(0, length));
        FlatTensors.Scatter(layout.Buffers, n => _run.TeacherTensors[n], _pulledBuffers[k].AsSpan(length, length));
        FlatTensors.ScatterCounters(layout.Counters, n => _run.StudentTensors[n], _pulledCounters[k].AsSpan(0, (int)layout.CounterLength));
        FlatTensors.ScatterCounters(layout.Counters, n => _run.TeacherTensors[n], _pulledCounters[k].AsSpan((int)layout.CounterLength));
    }

    /// <summary>Brings every bank replica to its grain (the banks after the previous step); returns the bytes received.</summary>
    private long CatchUpBanks()
    {
        var replies = _calls.Wait(Task.WhenAll(_run.BankGrains.Select((bank, c) => RowsOf(c, bank))));
        long bytes = 0;
        for (var c = 0; c < replies.Length; c++)
        {
            _bankAddresses[c] = replies[c].DataPlane;
            _banks[c].Apply(replies[c]);
            bytes += replies[c].Block.Data.Bytes.LongLength;
        }
        return bytes;
    }

    /// <summary>What replica <paramref name="c"/> lacks, its rows fetched from the bank silo's data plane when they were published there.</summary>
    private async Task<BankRows> RowsOf(int c, IMemoryBankGrain bank)
    {
        if (_dataPlane is null)
        {
            return await bank.Rows(_banks[c].Generation, _banks[c].Appended);
        }
        var rows = await bank.RowsOnDataPlane(_banks[c].Generation, _banks[c].Appended, _dataPlane.Address ?? "");
        if (rows.Block.Body is not { } body || rows.DataPlane is not { } address)
        {
            return rows;
        }
        var values = new byte[body.ByteLength];
        var got = await Transfer(address, client => client.FetchAsync(body, values));
        if (got.ByteLength != body.ByteLength)
        {
            throw new InvalidDataException($"bank {c}: {got} from {address} is not the {body} it announced");
        }
        return rows with { Block = rows.Block with { Data = new PackedTensors { Bytes = values }, Body = null } };
    }

    /// <summary>
    /// Sends the micro-batch's gradient and BN-statistics delta to every shard and its negatives to every bank (copies:
    /// the next micro-batch may overwrite the tensors); the task says, once all answered, whether the shards took it.
    /// </summary>
    private (Task<bool> Accepted, long Bytes) Push(BatchLease lease, bool semi, bool contrastive)
    {
        long bytes = 0;
        var pushes = new List<Task<PushOutcome>>();
        var resetTeacher = semi && _run.Schedule.IsFirstSemiEpoch(lease.Iteration);
        for (var k = 0; k < _run.Shards.Length; k++)
        {
            var layout = _run.Layouts[k];
            using var gradients = torch.NewDisposeScope(); // each read of .grad is a new tensor handle
            var noGradient = Enumerable.Range(0, layout.Parameters.Count).Where(i => _run.StudentTensors[layout.Parameters[i].Name].grad is null).ToArray();
            float[] buffers = [.. FlatTensors.Gather(layout.Buffers, n => _run.StudentTensors[n], layout.BufferLength), .. FlatTensors.Gather(layout.Buffers, n => _run.TeacherTensors[n], layout.BufferLength)];
            long[] counters = [.. FlatTensors.GatherCounters(layout.Counters, n => _run.StudentTensors[n], layout.CounterLength), .. FlatTensors.GatherCounters(layout.Counters, n => _run.TeacherTensors[n], layout.CounterLength)];
            for (var i = 0; i < buffers.Length; i++) buffers[i] -= _pulledBuffers[k][i];
            for (var i = 0; i < counters.Length; i++) counters[i] -= _pulledCounters[k][i];
            var push = new GradientPush
            {
                WorkerKey = _run.Key, BaseVersion = lease.Iteration, Iteration = lease.Iteration, MicroBatch = lease.MicroBatch, Generation = lease.Generation,
                CounterDelta = counters, Semi = semi, ResetTeacher = resetTeacher, NoGradient = noGradient,
            };
            if (_dataPlane is not null && _addresses[k] is { } address && address != _dataPlane.Address)
            {
                var body = Body(layout, buffers);
                bytes += body.Length;
                pushes.Add(PushOnDataPlane(k, address, push, body));
                continue;
            }
            var packed = FlatTensors.GatherPacked(layout.Parameters, n => _run.StudentTensors[n].grad, layout.ParameterLength, _run.Options.Cluster.Wire);
            bytes += packed.Bytes.LongLength + buffers.LongLength * 4;
            pushes.Add(_run.Shards[k].PushMicroBatch(push with { Gradient = packed, BufferDelta = buffers }));
        }
        var bankPushes = new List<Task>();
        if (contrastive)
        {
            for (var c = 0; c < _banks.Length; c++)
            {
                using var rows = _banks[c].Step.TakePushed(lease.MicroBatch);
                var block = new FeatureBlock { Rows = (int)rows.size(0), Dim = (int)rows.size(1), Data = FlatTensors.Pack(rows.ToArray<float>(), half: false) };
                bytes += block.Data.Bytes.LongLength;
                bankPushes.Add(_dataPlane is not null && block.Rows > 0 && _bankAddresses[c] is { } address && address != _dataPlane.Address
                    ? PushRowsOnDataPlane(c, address, lease, block)
                    : _run.BankGrains[c].PushMicroBatch(lease.Generation, lease.Iteration, lease.MicroBatch, block));
            }
        }
        return (WorkerCalls.AllAccepted(pushes, bankPushes), bytes);
    }

    /// <summary>
    /// A micro-batch's data-plane body for one shard: its gradient in the bytes of cluster.wire, then its buffer delta as
    /// float32; in a buffer rented from <see cref="_bodies"/> (a model's gradient a micro-batch is too large to allocate
    /// each time), returned once the push is answered.
    /// </summary>
    private Memory<byte> Body(ShardLayout layout, float[] bufferDelta)
    {
        var wire = _run.Options.Cluster.Wire;
        var gradientBytes = (int)layout.ParameterLength * WireCodec.BytesPerValue(wire);
        var body = _bodies.Rent(gradientBytes + bufferDelta.Length * sizeof(float)).AsMemory(0, gradientBytes + bufferDelta.Length * sizeof(float));
        FlatTensors.GatherEncoded(layout.Parameters, n => _run.StudentTensors[n].grad, layout.ParameterLength, body.Span[..gradientBytes], wire);
        MemoryMarshal.AsBytes(bufferDelta.AsSpan()).CopyTo(body.Span[gradientBytes..]);
        return body;
    }

    /// <summary>A transfer with the data plane at <paramref name="address"/>; a lost connection drops that peer's client (a dead silo's).</summary>
    private async Task<TransferDescriptor> Transfer(string address, Func<DataPlaneClient, Task<TransferDescriptor>> transfer)
    {
        try
        {
            return await transfer(_dataPlane!.Client(address));
        }
        catch (DataPlaneException e) when (e.Reason is DataPlaneRefusal.Truncated or DataPlaneRefusal.Unauthenticated)
        {
            await _dataPlane!.Forget(address);
            throw;
        }
    }

    /// <summary>
    /// The body to shard <paramref name="k"/>'s data plane, then the call with its descriptor. A failure of either
    /// (the shard moved, its silo died, the body expired) makes the next lease ask the shard where it is.
    /// </summary>
    private async Task<PushOutcome> PushOnDataPlane(int k, string address, GradientPush push, Memory<byte> body)
    {
        try
        {
            TransferDescriptor sent;
            try
            {
                sent = await Transfer(address, client => client.PushAsync(new TransferDescriptor(Guid.NewGuid(), k, push.Iteration, body.Length), body));
            }
            finally
            {
                ReturnBody(body);
            }
            return await _run.Shards[k].PushMicroBatch(push with { Body = sent });
        }
        catch
        {
            _addresses[k] = null;
            throw;
        }
    }

    private void ReturnBody(Memory<byte> body)
    {
        if (MemoryMarshal.TryGetArray<byte>(body, out var rented)) _bodies.Return(rented.Array!);
    }

    /// <summary>A micro-batch's negatives to bank <paramref name="c"/>'s data plane, then the call with their descriptor.</summary>
    private async Task<bool> PushRowsOnDataPlane(int c, string address, BatchLease lease, FeatureBlock block)
    {
        try
        {
            var bytes = block.Data.Bytes;
            var sent = await Transfer(address, client => client.PushAsync(new TransferDescriptor(Guid.NewGuid(), c, lease.Iteration, bytes.LongLength), bytes));
            return await _run.BankGrains[c].PushMicroBatch(lease.Generation, lease.Iteration, lease.MicroBatch, block with { Data = new PackedTensors(), Body = sent });
        }
        catch
        {
            _bankAddresses[c] = null;
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var bank in _banks) bank.Dispose();
        _run.Dispose();
    }

    [LoggerMessage(EventId = 3222, Level = LogLevel.Information, Message = "worker {Worker} (sync, {MicroBatches} micro-batches a step): {Labeled} labeled, {Unlabeled} unlabeled images, {Shards} shards, tensors over {Transport}")]
    private static partial void LogStarted(ILogger logger, string worker, int microBatches, int labeled, int unlabeled, int shards, string transport);
}

/// <summary>A lease whose step the parameter server is not at (it was restored from a checkpoint): given back, never computed.</summary>
internal sealed class StaleLeaseException(string message) : Exception(message);
