namespace U2PL.Segmentation.Data;

/// <summary>
/// The order in which an epoch visits a dataset: a permutation that is a pure function of (seed, epoch), so a resumed
/// run visits the same samples in the same order.
/// </summary>
public static class EpochOrder
{
    /// <summary>A permutation of 0..count-1 for <paramref name="epoch"/>.</summary>
    public static int[] Shuffle(int count, long seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }
        var random = DeterministicRandom.FromKeys(seed, epoch, 0x5EED0);
        random.Shuffle(order.AsSpan());
        return order;
    }

    /// <summary>
    /// <paramref name="length"/> indices for <paramref name="epoch"/>, made of consecutive permutations of 0..count-1
    /// (each a function of (seed, epoch, round)): how a small labeled set is cycled against a larger unlabeled one.
    /// </summary>
    public static int[] Take(int count, int length, long seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (count <= 0)
        {
            return length == 0 ? [] : throw new ArgumentOutOfRangeException(nameof(count), count, "cannot draw from an empty set");
        }
        var result = new int[length];
        var filled = 0;
        for (var round = 0; filled < length; round++)
        {
            var permutation = Enumerable.Range(0, count).ToArray();
            var random = DeterministicRandom.FromKeys(seed, epoch, round, 0x5EED1);
            random.Shuffle(permutation.AsSpan());
            var take = Math.Min(count, length - filled);
            permutation.AsSpan(0, take).CopyTo(result.AsSpan(filled));
            filled += take;
        }
        return result;
    }
}
