using System.Diagnostics;
using System.Text;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// CPU seconds per GiB moved, sender and receiver, for the paths of the data-plane benchmark: the CPU time (user +
/// system, all threads, including the runtime's own: GC, timers) of the sending process (this one) and of the
/// receiving process, taken just before and after each timed transfer. Nothing else runs in either process meanwhile.
/// </summary>
internal sealed class CpuPerGiB(long bytesPerRun)
{
    private readonly Dictionary<string, (List<double> Sender, List<double> Receiver)> _paths = [];

    /// <summary>Runs <paramref name="run"/> (which returns its elapsed seconds) and records the CPU both ends spent on it.</summary>
    public async Task<double> MeasureAsync(string path, Func<Task<double>> run, Func<TimeSpan> receiverCpu)
    {
        var self = Process.GetCurrentProcess();
        var sender0 = self.TotalProcessorTime;
        var receiver0 = receiverCpu();
        var seconds = await run();
        self.Refresh();
        var gib = (double)bytesPerRun / (1L << 30);
        if (!_paths.TryGetValue(path, out var lists)) _paths[path] = lists = ([], []);
        lists.Sender.Add((self.TotalProcessorTime - sender0).TotalSeconds / gib);
        lists.Receiver.Add((receiverCpu() - receiver0).TotalSeconds / gib);
        return seconds;
    }

    /// <summary><c>cpu_s_per_gib_{sender|receiver}_{path}</c>: medians over the rounds.</summary>
    public IEnumerable<KeyValuePair<string, object>> JsonFields() => _paths.SelectMany(p => new[]
    {
        KeyValuePair.Create<string, object>($"cpu_s_per_gib_sender_{p.Key}", Math.Round(Stats.Median(p.Value.Sender), 3)),
        KeyValuePair.Create<string, object>($"cpu_s_per_gib_receiver_{p.Key}", Math.Round(Stats.Median(p.Value.Receiver), 3)),
    });

    public string Markdown(bool tls)
    {
        var md = new StringBuilder().AppendLine();
        md.AppendLine($"| CPU seconds per GiB ({(tls ? "mutual TLS" : "plain TCP")}), median of rounds | sender | receiver | both | sender runs | receiver runs |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (path, (sender, receiver)) in _paths)
        {
            md.AppendLine($"| {path} | {Stats.F(Stats.Median(sender), 3)} | {Stats.F(Stats.Median(receiver), 3)} | {Stats.F(Stats.Median(sender.Zip(receiver, (s, r) => s + r)), 3)} | " +
                          $"{Stats.List(sender, 3)} | {Stats.List(receiver, 3)} |");
        }
        return md.ToString();
    }
}
