namespace U2PL.Client.Cli;

/// <summary>Resident memory of this process from /proc/self/status (what the benchmarks report and compare).</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in MiB.</summary>
    public static double PeakResidentMb() => Read("VmHWM:");

    /// <summary>Current resident set size (VmRSS) in MiB.</summary>
    public static double ResidentMb() => Read("VmRSS:");

    private static double Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kilobytes = long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kilobytes / 1024.0;
            }
        }
        return double.NaN;
    }
}
