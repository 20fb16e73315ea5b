using U2PL.Segmentation.Data;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Every random draw of one micro-batch (run seed, global iteration t, micro-batch m): dropout masks, anchor and
/// memory-bank samples from <see cref="Torch"/> (a CPU generator the micro-batch owns), CutMix from
/// <see cref="Draws"/>. Whoever computes (t, m), on whichever thread, process or worker, draws the same values.
/// </summary>
public sealed class MicroBatchRandom : IDisposable
{
    private const long Tag = 0x5EED_0B;

    public MicroBatchRandom(long seed, long iteration, int microBatch)
    {
        var key = DeterministicRandom.Hash(seed, iteration, microBatch, Tag);
        Torch = new Generator(key);
        Draws = new DeterministicRandom(DeterministicRandom.Hash((long)key, 1));
    }

    /// <summary>The micro-batch's libtorch generator (CPU).</summary>
    public Generator Torch { get; }

    /// <summary>The micro-batch's scalar draws (CutMix's coin and boxes).</summary>
    public DeterministicRandom Draws;

    public void Dispose() => Torch.Dispose();
}
