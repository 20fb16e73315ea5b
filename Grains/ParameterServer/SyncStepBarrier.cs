using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.ParameterServer;

/// <summary>
/// The sync step's barrier at one parameter-server shard: it collects the M micro-batch pushes of step t (computed on
/// version t), combines them in micro-batch order whatever order they arrive in (<see cref="MicroBatchMean"/>, as
/// <c>u2pl train</c>'s <see cref="MicroBatchedStep"/>), and says when the step is complete. A push for another step is
/// never combined: an older one is a duplicate of a step already applied, a newer one was computed on weights this
/// shard does not have (it was restored from a checkpoint behind the worker).
/// </summary>
public sealed class SyncStepBarrier(int microBatches) : IDisposable
{
    private readonly SortedDictionary<int, GradientPush> _waiting = [];
    private readonly HashSet<int> _received = [];
    private MicroBatchMean _mean = new(microBatches);
    private long[] _counters = [];
    private HashSet<int>? _noGradient;
    private int _next;

    /// <summary>The step (= weights version) whose micro-batches it collects.</summary>
    public long Step { get; private set; }

    /// <summary>Micro-batches of <see cref="Step"/> received so far.</summary>
    public int Received => _received.Count;

    /// <summary>Forgets what it holds and collects <paramref name="step"/> next (a restored shard).</summary>
    public void Reset(long step)
    {
        _waiting.Clear();
        _received.Clear();
        _mean.Dispose();
        _mean = new MicroBatchMean(microBatches);
        _counters = [];
        _noGradient = null;
        _next = 0;
        Step = step;
    }

    public SyncOffer Offer(GradientPush push)
    {
        if (push.Iteration != Step || push.BaseVersion != Step)
        {
            return push.Iteration < Step && push.BaseVersion == push.Iteration ? SyncOffer.Duplicate : SyncOffer.Refused;
        }
        if (push.MicroBatch < 0 || push.MicroBatch >= microBatches)
        {
            throw new ArgumentException($"micro-batch {push.MicroBatch} of step {push.Iteration}: the run's steps have {microBatches} micro-batches");
        }
        if (!_received.Add(push.MicroBatch))
        {
            return SyncOffer.Duplicate;
        }
        _waiting[push.MicroBatch] = push;
        while (_waiting.Remove(_next, out var next))
        {
            Accumulate(next);
            _next++;
        }
        return _next == microBatches ? SyncOffer.Complete : SyncOffer.Held;
    }

    /// <summary>The complete step's combined update (its tensors in the current dispose scope); the barrier moves to the next step.</summary>
    public CombinedStep Take(GradientPush last)
    {
        if (_next != microBatches)
        {
            throw new InvalidOperationException($"step {Step} has {_next} of {microBatches} micro-batches");
        }
        var mean = _mean.Mean();
        var combined = new CombinedStep(Step, mean[0].clone(), mean[1].clone(), _counters.Select(c => c / microBatches).ToArray(),
            [.. _noGradient ?? []], last.Semi, last.ResetTeacher);
        Reset(Step + 1);
        return combined;
    }

    private void Accumulate(GradientPush push)
    {
        using var scope = torch.NewDisposeScope();
        var gradient = push.Gradient.IsFloat32 ? FlatTensors.Floats(push.Gradient) : FlatTensors.Unpack(push.Gradient);
        using var gradientTensor = torch.empty(gradient.Length);
        FlatTensors.CopyIn(gradientTensor, gradient);
        using var bufferTensor = torch.empty(push.BufferDelta.Length);
        FlatTensors.CopyIn(bufferTensor, push.BufferDelta.Span);
        _mean.Add([gradientTensor, bufferTensor]);
        if (_counters.Length == 0) _counters = new long[push.CounterDelta.Length];
        for (var i = 0; i < _counters.Length; i++) _counters[i] += push.CounterDelta[i];
        // PyTorch skips a parameter no micro-batch reached.
        _noGradient = _noGradient is null ? [.. push.NoGradient] : [.. _noGradient.Intersect(push.NoGradient)];
    }

    public void Dispose() => _mean.Dispose();
}

/// <summary>What a shard does with an offered micro-batch.</summary>
public enum SyncOffer
{
    /// <summary>Kept; the step waits for other micro-batches.</summary>
    Held,
    /// <summary>Kept, and it was the last: the step can be applied.</summary>
    Complete,
    /// <summary>Already had it (or the step was applied): not applied again.</summary>
    Duplicate,
    /// <summary>Computed on other weights than the shard's version: never applied.</summary>
    Refused,
}

/// <summary>Step t's update at one shard: the mean gradient and BN-statistics delta (flat, in the shard's layout) and the counters' movement.</summary>
public sealed record CombinedStep(long Iteration, Tensor Gradient, Tensor BufferDelta, long[] CounterDelta, int[] NoGradient, bool Semi, bool ResetTeacher) : IDisposable
{
    public void Dispose()
    {
        Gradient.Dispose();
        BufferDelta.Dispose();
    }
}
