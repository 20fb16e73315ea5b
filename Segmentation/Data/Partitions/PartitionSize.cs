namespace U2PL.Segmentation.Data;

/// <summary>
/// How many candidates are labeled: a fraction (the paper's 1/16, 1/8, 1/4, 1/2) or an absolute count. A fraction
/// rounds up, which gives the official counts (10,582/16 → 662, 1,464/16 → 92, 2,975/8 → 372).
/// </summary>
public readonly record struct PartitionSize
{
    private PartitionSize(int? count, int numerator, int denominator)
    {
        Count = count;
        Numerator = numerator;
        Denominator = denominator;
    }

    /// <summary>The absolute count, when given as a count.</summary>
    public int? Count { get; }

    /// <summary>Fraction numerator (1 for a count).</summary>
    public int Numerator { get; }

    /// <summary>Fraction denominator (1 for a count).</summary>
    public int Denominator { get; }

    /// <summary>A fraction numerator/denominator of the candidates, 0 &lt; n/d ≤ 1.</summary>
    public static PartitionSize Fraction(int numerator, int denominator)
    {
        if (numerator <= 0 || denominator <= 0 || numerator > denominator)
        {
            throw new ArgumentException($"a partition fraction must be in (0, 1], got {numerator}/{denominator}");
        }
        return new PartitionSize(null, numerator, denominator);
    }

    /// <summary>Exactly <paramref name="count"/> labeled images.</summary>
    public static PartitionSize Of(int count) => count > 0
        ? new PartitionSize(count, 1, 1)
        : throw new ArgumentOutOfRangeException(nameof(count), count, "a labeled count must be positive");

    /// <summary>Parses "1/8", "0.125" or "46".</summary>
    public static PartitionSize Parse(string text)
    {
        var t = text.Trim();
        var slash = t.IndexOf('/');
        if (slash > 0 && int.TryParse(t[..slash], out var n) && int.TryParse(t[(slash + 1)..], out var d))
        {
            return Fraction(n, d);
        }
        if (int.TryParse(t, out var count))
        {
            return Of(count);
        }
        if (double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f) && f is > 0 and <= 1)
        {
            return Fraction((int)Math.Round(f * 1_000_000), 1_000_000);
        }
        throw new FormatException($"a partition is a fraction ('1/8'), a ratio in (0, 1] or a count ('46'), got '{text}'");
    }

    /// <summary>The labeled count out of <paramref name="candidates"/>; a count larger than the candidates is an error.</summary>
    public int LabeledCount(int candidates)
    {
        if (Count is { } count)
        {
            return count <= candidates
                ? count
                : throw new ArgumentException($"cannot label {count} images out of {candidates} candidates");
        }
        return (int)Math.Min(candidates, ((long)candidates * Numerator + Denominator - 1) / Denominator);
    }

    /// <inheritdoc />
    public override string ToString() => Count is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Numerator}/{Denominator}";
}
