using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.MemoryBank;

/// <summary>
/// A bank grain in sync mode: step t's negatives are held per micro-batch until all M micro-batches pushed, then
/// enqueued in micro-batch order, so Q_c after step t is what <c>u2pl train</c>'s <see cref="StepMemoryBank"/> holds.
/// The last few steps' enqueued rows are kept (at most the bank's capacity) for workers' replicas to catch up without a
/// snapshot; a replica further behind gets one.
/// </summary>
public sealed class SyncBankLog(ClassMemoryBank bank, int microBatches, long committedThrough) : IDisposable
{
    private const int KeptSteps = 8;

    private readonly SortedDictionary<int, Tensor> _pending = [];
    private readonly LinkedList<(long Start, Tensor Rows)> _recent = [];
    private long _pendingStep = -1;
    private long _recentRows;

    /// <summary>Identifies this bank's contents' history: a replica of another generation needs a snapshot.</summary>
    public Guid Generation { get; } = Guid.NewGuid();

    /// <summary>Rows enqueued since <see cref="Generation"/> began.</summary>
    public long Appended { get; private set; }

    /// <summary>Steps below this are enqueued.</summary>
    public long CommittedThrough { get; private set; } = committedThrough;

    /// <summary>Holds micro-batch <paramref name="microBatch"/>'s rows of step <paramref name="step"/>; false when it had them or the step was enqueued.</summary>
    public bool Push(long step, int microBatch, Tensor rows)
    {
        if (microBatch < 0 || microBatch >= microBatches)
        {
            throw new ArgumentException($"micro-batch {microBatch} of step {step}: the run's steps have {microBatches} micro-batches");
        }
        if (step < CommittedThrough)
        {
            return false;
        }
        if (step != _pendingStep)
        {
            // A step left incomplete before (its micro-batches are computed again after a restore): start over.
            DisposePending();
            _pendingStep = step;
        }
        if (_pending.ContainsKey(microBatch))
        {
            return false;
        }
        _pending[microBatch] = rows.clone().DetachFromDisposeScope();
        if (_pending.Count == microBatches)
        {
            foreach (var block in _pending.Values)
            {
                Enqueue(block);
            }
            _pending.Clear();
            CommittedThrough = step + 1;
            _pendingStep = -1;
        }
        return true;
    }

    /// <summary>The rows after <paramref name="appended"/> of this generation, oldest first, or null when they are no longer kept.</summary>
    public Tensor? Since(long appended)
    {
        if (appended == Appended)
        {
            return torch.zeros([0, bank.FeatureDim]);
        }
        if (appended > Appended || _recent.First is null || appended < _recent.First.Value.Start)
        {
            return null;
        }
        var blocks = _recent.Where(r => r.Start >= appended).Select(r => r.Rows).ToList();
        return blocks.Sum(b => b.size(0)) == Appended - appended ? torch.cat(blocks, 0) : null;
    }

    private void Enqueue(Tensor block)
    {
        if (block.size(0) == 0)
        {
            block.Dispose();
            return;
        }
        bank.Push(block);
        _recent.AddLast((Appended, block));
        Appended += block.size(0);
        _recentRows += block.size(0);
        while (_recentRows - _recent.First!.Value.Rows.size(0) >= bank.Capacity || _recent.Count > KeptSteps * microBatches)
        {
            _recentRows -= _recent.First.Value.Rows.size(0);
            _recent.First.Value.Rows.Dispose();
            _recent.RemoveFirst();
        }
    }

    private void DisposePending()
    {
        foreach (var block in _pending.Values) block.Dispose();
        _pending.Clear();
    }

    public void Dispose()
    {
        DisposePending();
        foreach (var (_, rows) in _recent) rows.Dispose();
        _recent.Clear();
    }
}
