using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary>
/// The mean of M micro-batches' values (gradients, BN-statistics deltas), summed in micro-batch order: 0 + v₀ + v₁ + …
/// then × 1/M, element by element in float32. The single-process micro-batched step and a sync parameter-server shard
/// both combine through this, so the same micro-batch values give the same bits whatever layout holds them.
/// </summary>
public sealed class MicroBatchMean(int microBatches) : IDisposable
{
    private readonly Scalar _one = 1.ToScalar(); // held through the native calls (Sgd.step_with_live_scalars)
    private readonly Scalar _scale = (1.0 / microBatches).ToScalar();
    private Tensor[]? _sums;
    private bool _averaged;

    /// <summary>How many micro-batches were added.</summary>
    public int Added { get; private set; }

    /// <summary>Adds the next micro-batch's values (the same shapes every time).</summary>
    public void Add(IReadOnlyList<Tensor> values)
    {
        if (Added == microBatches)
        {
            throw new InvalidOperationException($"all {microBatches} micro-batches were already added");
        }
        using var _ = torch.no_grad();
        _sums ??= values.Select(v => torch.zeros_like(v).DetachFromDisposeScope()).ToArray();
        for (var i = 0; i < values.Count; i++)
        {
            _sums[i].add_(values[i], alpha: _one);
        }
        Added++;
    }

    /// <summary>The means, once all M were added (tensors owned by this object until it is disposed).</summary>
    public IReadOnlyList<Tensor> Mean()
    {
        if (Added != microBatches || _sums is null)
        {
            throw new InvalidOperationException($"{Added} of {microBatches} micro-batches were added");
        }
        if (!_averaged)
        {
            using var _ = torch.no_grad();
            foreach (var sum in _sums) sum.mul_(_scale);
            _averaged = true;
        }
        return _sums;
    }

    public void Dispose()
    {
        foreach (var sum in _sums ?? []) sum.Dispose();
        _one.Dispose();
        _scale.Dispose();
    }
}
