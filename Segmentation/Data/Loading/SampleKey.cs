namespace U2PL.Segmentation.Data;

/// <summary>
/// What a sample's randomness is derived from: (run seed, worker id, epoch, sample index, stream). A pure key, never
/// a shared stateful stream, so a sample's augmentation does not depend on thread timing and a resumed run reproduces
/// it. <see cref="WorkerId"/> is the training worker (rank), not a prefetch thread; <see cref="Stream"/> separates
/// independent consumers of the same dataset (e.g. 0 = labeled, 1 = unlabeled).
/// </summary>
public readonly record struct SampleKey(long RunSeed, int WorkerId, int Epoch, long SampleIndex, int Stream = 0)
{
    /// <summary>A random stream for this key.</summary>
    public DeterministicRandom CreateRandom() => DeterministicRandom.FromKeys(RunSeed, WorkerId, Epoch, SampleIndex, Stream, 0xA06);
}
