using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary>
/// A model's BatchNorm running statistics (float buffers) and <c>num_batches_tracked</c> counters, for steps that
/// combine several micro-batches: each micro-batch starts from the step's statistics and what it moved them by is a
/// delta; the step adds the deltas' mean (<see cref="MicroBatchMean"/>) once.
/// </summary>
public sealed class BatchNormBuffers(DeepLabV3Plus model)
{
    private readonly Tensor[] _floats = model.named_buffers().Where(b => b.buffer.dtype != ScalarType.Int64).Select(b => b.buffer).ToArray();
    private readonly Tensor[] _counters = model.named_buffers().Where(b => b.buffer.dtype == ScalarType.Int64).Select(b => b.buffer).ToArray();

    /// <summary>Copies of the statistics now (in the current dispose scope) and the counters' values.</summary>
    public (Tensor[] Floats, long[] Counters) Snapshot()
    {
        using var _ = torch.no_grad();
        return (_floats.Select(b => b.clone()).ToArray(), _counters.Select(c => c.item_long()).ToArray());
    }

    /// <summary>How far the statistics moved from <paramref name="start"/> (new tensors in the current dispose scope).</summary>
    public Tensor[] Delta((Tensor[] Floats, long[] Counters) start)
    {
        using var _ = torch.no_grad();
        // b + (−1)·start, exactly b − start, every Scalar held through the native call (Sgd.step_with_live_scalars).
        using var minusOne = (-1).ToScalar();
        return _floats.Select((b, i) => b.add(start.Floats[i], alpha: minusOne)).ToArray();
    }

    /// <summary>How far each counter moved from <paramref name="start"/>.</summary>
    public long[] CounterDelta((Tensor[] Floats, long[] Counters) start) =>
        _counters.Select((c, i) => c.item_long() - start.Counters[i]).ToArray();

    /// <summary>Back to <paramref name="start"/>, plus <paramref name="floatDelta"/> and <paramref name="counterDelta"/> when given.</summary>
    public void Restore((Tensor[] Floats, long[] Counters) start, IReadOnlyList<Tensor>? floatDelta = null, long[]? counterDelta = null)
    {
        using var _ = torch.no_grad();
        using var one = 1.ToScalar(); // held through the native calls (Sgd.step_with_live_scalars)
        for (var i = 0; i < _floats.Length; i++)
        {
            _floats[i].copy_(start.Floats[i]);
            if (floatDelta is not null) _floats[i].add_(floatDelta[i], alpha: one);
        }
        for (var i = 0; i < _counters.Length; i++)
        {
            using var value = (start.Counters[i] + (counterDelta?[i] ?? 0)).ToScalar();
            _counters[i].fill_(value);
        }
    }
}
