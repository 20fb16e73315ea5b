using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;

namespace U2PL.Grains.Worker;

/// <summary>
/// A worker's view of one class's memory-bank grain: a local sample of the bank (refreshed every few steps) plus the
/// worker's own pushes since, so Lc samples locally at single-process speed. What the step pushes is also kept to be
/// sent to the grain as one block after the step. Staleness: the local rows are the bank as of the last refresh, at
/// most cluster.bank_refresh_steps steps old, plus this worker's newer negatives (not other workers' newer ones).
/// </summary>
internal sealed class CachedMemoryBank(long cacheRows, long featureDim) : IMemoryBank, IDisposable
{
    private readonly ClassMemoryBank _local = new(cacheRows, featureDim);
    private readonly List<Tensor> _pending = [];

    public long Count => _local.Count;

    public TimeSpan Elapsed => _local.Elapsed;

    public long FeatureDim => featureDim;

    public void Push(Tensor block)
    {
        if (block.size(0) == 0)
        {
            return;
        }
        _local.Push(block);
        using var _ = torch.no_grad();
        _pending.Add(block.detach().to(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope());
    }

    public Tensor Sample(long n, Generator generator) => _local.Sample(n, generator);

    /// <summary>The rows pushed since the last call, as one (n, D) block (null when none), and forgets them.</summary>
    public float[]? TakePending(out int rows)
    {
        rows = 0;
        if (_pending.Count == 0)
        {
            return null;
        }
        using var scope = torch.NewDisposeScope();
        var block = torch.cat(_pending, 0);
        rows = (int)block.size(0);
        var values = block.ToArray<float>();
        foreach (var tensor in _pending) tensor.Dispose();
        _pending.Clear();
        return values;
    }

    /// <summary>Replaces the local rows with a fresh sample of the grain's bank.</summary>
    public void Refresh(float[] values, int rows)
    {
        if (rows == 0)
        {
            return;
        }
        using var block = values.ToTensor(rows, featureDim);
        _local.Restore(block.narrow(0, 0, Math.Min(rows, cacheRows)));
    }

    public void Dispose()
    {
        _local.Dispose();
        foreach (var tensor in _pending) tensor.Dispose();
    }
}
