using U2PL.Segmentation.Data;

namespace U2PL.Grains.Data;

/// <summary>
/// The samples of a step as the single-process trainer draws them: slice i of the epoch's order over each set (stream
/// 0 labeled, 1 unlabeled), a function of (seed, epoch) only. Only the current epoch's orders are kept.
/// </summary>
internal sealed class EpochOrders(long seed, long stepsPerEpoch, int batchSize)
{
    private readonly Dictionary<(int Epoch, int Stream), int[]> _orders = [];

    /// <summary>The indices of <paramref name="step"/>'s batch, or of its micro-batch <paramref name="microBatch"/> of <paramref name="microBatches"/>.</summary>
    public int[] Slice(int epoch, int stream, int count, int step, int microBatch = 0, int microBatches = 1)
    {
        if (!_orders.TryGetValue((epoch, stream), out var order))
        {
            order = EpochOrder.Take(count, (int)(stepsPerEpoch * batchSize), seed * 31 + stream, epoch);
            foreach (var old in _orders.Keys.Where(k => k.Epoch != epoch).ToList())
            {
                _orders.Remove(old);
            }
            _orders[(epoch, stream)] = order;
        }
        var size = batchSize / microBatches;
        return order.AsSpan(step * batchSize + microBatch * size, size).ToArray();
    }
}
