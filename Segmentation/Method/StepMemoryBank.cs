using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Q_c as a synchronous step sees it, the official all-gathered queue under DDP: every micro-batch of step t samples
/// from the bank as it stood after step t − 1, and what the micro-batches push is held per micro-batch and enqueued
/// after the step in micro-batch order (<see cref="Commit"/>), or handed to whoever enqueues it (<see cref="TakePushed"/>,
/// a cluster worker sending it to the bank grain).
/// </summary>
public sealed class StepMemoryBank(ClassMemoryBank bank) : IMemoryBank, IDisposable
{
    private readonly SortedDictionary<int, List<Tensor>> _pushed = [];
    private int _microBatch;

    /// <summary>The bank as of the previous step.</summary>
    public ClassMemoryBank Bank => bank;

    public long Count => bank.Count;

    public TimeSpan Elapsed => bank.Elapsed;

    /// <summary>Pushes from now on belong to micro-batch <paramref name="microBatch"/>.</summary>
    public void Begin(int microBatch) => _microBatch = microBatch;

    public void Push(Tensor block)
    {
        using var _ = torch.no_grad();
        if (!_pushed.TryGetValue(_microBatch, out var blocks))
        {
            _pushed[_microBatch] = blocks = [];
        }
        blocks.Add(block.detach().to(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope());
    }

    public Tensor Sample(long n, Generator generator) => bank.Sample(n, generator);

    /// <summary>What micro-batch <paramref name="microBatch"/> pushed, as one (n, D) CPU block (n may be 0), and forgets it.</summary>
    public Tensor TakePushed(int microBatch)
    {
        if (!_pushed.Remove(microBatch, out var blocks) || blocks.Count == 0)
        {
            return torch.zeros([0, bank.FeatureDim]);
        }
        try
        {
            return torch.cat(blocks, 0).cpu();
        }
        finally
        {
            foreach (var block in blocks) block.Dispose();
        }
    }

    /// <summary>Enqueues the held pushes into the bank, micro-batch by micro-batch in order.</summary>
    public void Commit()
    {
        foreach (var microBatch in _pushed.Keys.ToList())
        {
            using var block = TakePushed(microBatch);
            bank.Push(block);
        }
    }

    public void Dispose()
    {
        foreach (var block in _pushed.Values.SelectMany(b => b)) block.Dispose();
        _pushed.Clear();
    }
}
