namespace U2PL.CheckpointStore.Bench;

/// <summary>The process's peak resident set (Linux VmHWM), resettable so that each phase reports its own peak.</summary>
internal static class PeakResidentSet
{
    public static double Megabytes() =>
        File.ReadLines("/proc/self/status").Where(line => line.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1000.0)
            .Single();

    /// <summary>Sets the peak back to the current resident set ("5" into clear_refs, Linux 4.0+).</summary>
    public static void Reset() => File.WriteAllText("/proc/self/clear_refs", "5");
}
