using System.Text;
using System.Text.Json;
using U2PL.Cluster.Bench.Grains;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// <c>payload --latency-under-transfer</c> (issue 22: "grain-call latency (p50/p99) between the same silos while
/// 256 MiB transfers run: at most 2× idle"). Between the two silos of <see cref="TwoSiloCluster"/>, per round: paced
/// small calls from the driver grain (silo A) to an echo grain (silo B) idle, then while blocks of
/// <c>--payload-mib</c> go back to back from silo A to a data-plane server inside silo B, then while the same blocks
/// go as grain calls (today's path). The order is reversed every other round. The ratios are loaded / idle per round;
/// their medians are reported.
/// </summary>
internal static class LatencyUnderTransferBenchmark
{
    /// <summary>The lowered priority measured against the silo's own (nice 0, the default).</summary>
    public const int LoweredNice = 10;

    private static readonly (TransferPath Path, string Name)[] Phases =
        [(TransferPath.None, "idle"), (TransferPath.DataPlane, "data_plane"), (TransferPath.DataPlaneSamePriority, "data_plane_nice0"), (TransferPath.Orleans, "orleans")];

    public static async Task<(string Markdown, string Json)> RunAsync(TwoSiloCluster cluster, BenchSettings settings, TextWriter log)
    {
        var bytes = (long)settings.PayloadMiB << 20;
        var receiver = cluster.Client.GetGrain<IDataPlaneReceiverGrain>("receiver");
        var ports = new Dictionary<TransferPath, int>
        {
            [TransferPath.None] = 0,
            [TransferPath.Orleans] = 0,
            [TransferPath.DataPlane] = await receiver.Listen(LoweredNice),
            [TransferPath.DataPlaneSamePriority] = await receiver.Listen(0),
        };
        if (!cluster.B.Hosts(await receiver.GetSilo())) throw new InvalidOperationException("The data-plane receiver is not on silo B.");
        var loadBefore = DataPlaneBenchmark.LoadAverage();
        foreach (var (path, _) in Phases.Skip(1)) await cluster.Driver.MeasureLatencyUnderTransfer("latency", 50, 1, path, ports[path], bytes, settings.TransferMiBps, settings.PhaseSeconds); // warm-up
        var results = Phases.ToDictionary(p => p.Path, _ => new List<LatencyUnderTransfer>());
        for (var round = 0; round < settings.Repeats; round++)
        {
            foreach (var (path, name) in round % 2 == 0 ? Phases : Phases.Reverse())
            {
                await Task.Delay(TimeSpan.FromSeconds(1)); // the previous phase's last transfer and collections settle
                var result = await cluster.Driver.MeasureLatencyUnderTransfer("latency", settings.Samples, settings.MinTransfers, path, ports[path], bytes, settings.TransferMiBps, settings.PhaseSeconds);
                results[path].Add(result);
                log.WriteLine($"round {round + 1} {name}: p50 {Stats.F(P(result, 0.5))} µs, p99 {Stats.F(P(result, 0.99))} µs over {result.Latencies.Length} calls in {Stats.F(result.Seconds, 2)} s" +
                              (path == TransferPath.None ? "" : $", {result.Transfers} transfers, {Stats.F(MiBps(result), 0)} MiB/s"));
            }
        }
        var loadAfter = DataPlaneBenchmark.LoadAverage();
        return (Markdown(settings, results, loadBefore, loadAfter), Json(settings, results, loadBefore, loadAfter));
    }

    private static string Markdown(BenchSettings settings, Dictionary<TransferPath, List<LatencyUnderTransfer>> results, string loadBefore, string loadAfter)
    {
        var idle = results[TransferPath.None];
        var md = new StringBuilder();
        md.AppendLine($"| grain call silo A → silo B ({(settings.Tls ? "mutual TLS" : "plain TCP")}) | p50 µs (median) | p99 µs (median) | p50 / idle (median of rounds) | p99 / idle (median of rounds) | transfer MiB/s during (median) | p99 per round (µs) |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        Row("idle: **the baseline**", TransferPath.None);
        var cadence = settings.TransferMiBps > 0 ? $"spaced to {Stats.F(settings.TransferMiBps, 0)} MiB/s" : "back to back";
        Row($"while {settings.PayloadMiB} MiB go {cadence} through the **data plane** (A → server in B; its threads at nice +{LoweredNice}, `--data-plane-nice {LoweredNice}`)", TransferPath.DataPlane);
        Row($"while {settings.PayloadMiB} MiB go {cadence} through the data plane with its threads at the silo's priority (nice 0)", TransferPath.DataPlaneSamePriority);
        Row($"while {settings.PayloadMiB} MiB go {cadence} as **grain calls** (`Sink(RawFloats)`, A → B)", TransferPath.Orleans);
        md.AppendLine();
        md.AppendLine($"{settings.Repeats} rounds (phase order reversed every other round) after one warm-up of each loaded phase; per phase at least {settings.Samples} calls " +
                      $"`Task<int> Ping(int)`, each followed by a ~1 ms pause, and under transfer at least {settings.MinTransfers} completed transfers (at most {Stats.F(settings.PhaseSeconds, 0)} s per phase); timing starts after the first transfer. " +
                      $"Load average {loadBefore} before, {loadAfter} after.");
        return md.ToString();

        void Row(string name, TransferPath path)
        {
            var runs = results[path];
            md.AppendLine($"| {name} | {Stats.F(Stats.Median(runs.Select(r => P(r, 0.5))))} | {Stats.F(Stats.Median(runs.Select(r => P(r, 0.99))))} | " +
                          $"**{Stats.F(Ratio(idle, runs, 0.5), 2)}** | **{Stats.F(Ratio(idle, runs, 0.99), 2)}** | " +
                          $"{(path == TransferPath.None ? "—" : Stats.F(Stats.Median(runs.Select(MiBps)), 0))} | {Stats.List(runs.Select(r => P(r, 0.99)), 0)} |");
        }
    }

    private static string Json(BenchSettings settings, Dictionary<TransferPath, List<LatencyUnderTransfer>> results, string loadBefore, string loadAfter)
    {
        var idle = results[TransferPath.None];
        var json = new Dictionary<string, object>
        {
            ["benchmark"] = "payload --latency-under-transfer",
            ["transport"] = settings.Tls ? "mutual TLS" : "plain TCP",
            ["transfer_mib"] = settings.PayloadMiB,
            ["repeats"] = settings.Repeats,
            ["samples_min"] = settings.Samples,
            ["paced_mib_s"] = settings.TransferMiBps,
        };
        foreach (var (path, name) in Phases)
        {
            var runs = results[path];
            json[$"{name}_p50_us"] = Math.Round(Stats.Median(runs.Select(r => P(r, 0.5))), 1);
            json[$"{name}_p99_us"] = Math.Round(Stats.Median(runs.Select(r => P(r, 0.99))), 1);
            if (path == TransferPath.None) continue;
            json[$"ratio_p50_{name}"] = Math.Round(Ratio(idle, runs, 0.5), 3);
            json[$"ratio_p99_{name}"] = Math.Round(Ratio(idle, runs, 0.99), 3);
            json[$"{name}_mib_s"] = Math.Round(Stats.Median(runs.Select(MiBps)), 1);
        }
        json["target_met_data_plane"] = Ratio(idle, results[TransferPath.DataPlane], 0.5) <= 2 && Ratio(idle, results[TransferPath.DataPlane], 0.99) <= 2;
        json["load_before"] = loadBefore;
        json["load_after"] = loadAfter;
        return JsonSerializer.Serialize(json);
    }

    private static double P(LatencyUnderTransfer result, double q) => Stats.Quantile(result.Latencies, q);

    /// <summary>The median over rounds of the loaded quantile / the idle quantile of the same round.</summary>
    private static double Ratio(List<LatencyUnderTransfer> idle, List<LatencyUnderTransfer> loaded, double q) => Stats.Median(idle.Zip(loaded, (i, l) => P(l, q) / P(i, q)));

    private static double MiBps(LatencyUnderTransfer result) => result.TransferredBytes / result.Seconds / (1 << 20);
}
