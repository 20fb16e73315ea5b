namespace U2PL.Segmentation.Data;

/// <summary>
/// A small counter-free PRNG (SplitMix64) whose stream depends only on its seed, so that a sample's randomness is a
/// pure function of the keys it is derived from (run seed, worker, epoch, index) and never of thread timing or of a
/// shared stream. Hand-written because <see cref="Random"/> does not promise a stable sequence across .NET versions.
/// </summary>
public struct DeterministicRandom
{
    private ulong _state;

    /// <summary>Starts a stream from <paramref name="seed"/>.</summary>
    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>Starts a stream from a hash of several keys (order matters).</summary>
    public static DeterministicRandom FromKeys(params ReadOnlySpan<long> keys) => new(Hash(keys));

    /// <summary>Mixes keys into one 64-bit seed; distinct key tuples give unrelated seeds.</summary>
    public static ulong Hash(params ReadOnlySpan<long> keys)
    {
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)keys.Length;
        foreach (var key in keys)
        {
            h = Mix(h ^ Mix((ulong)key + 0x632BE59BD9B4E019UL));
        }
        return h;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [min, max).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>A uniform integer in [0, maxExclusive); maxExclusive must be positive.</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        }
        // Lemire's multiply-shift: unbiased enough for 32-bit ranges from 64 random bits.
        return (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);
    }

    /// <summary>A uniform integer in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool NextBool(double p) => NextDouble() < p;

    /// <summary>A standard normal deviate (Box-Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
