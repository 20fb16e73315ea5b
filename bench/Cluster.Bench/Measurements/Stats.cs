namespace U2PL.Cluster.Bench.Measurements;

/// <summary>Order statistics of benchmark samples.</summary>
internal static class Stats
{
    /// <summary>The q-quantile (0..1) by nearest rank.</summary>
    public static double Quantile(IEnumerable<double> samples, double q)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> samples) => Quantile(samples, 0.5);

    public static string F(double value, int decimals = 1) => value.ToString($"F{decimals}", System.Globalization.CultureInfo.InvariantCulture);

    public static string List(IEnumerable<double> values, int decimals = 1) => string.Join(", ", values.Select(v => F(v, decimals)));
}
