using System.Diagnostics;
using System.Text;
using U2PL.Cluster.Bench.Grains;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// Small-message grain calls between two silos: sequential latency (p50/p99, timed inside silo A around each call to
/// a grain on silo B) and throughput (calls/s with many calls in flight), plus, for reference, the latency a client
/// sees through silo A's gateway to a grain on silo B (two hops). Each figure is the median over the repeats.
/// </summary>
internal static class CallBenchmark
{
    public static async Task<string> RunAsync(TwoSiloCluster cluster, BenchSettings settings, TextWriter log)
    {
        var p50 = new List<double>();
        var p99 = new List<double>();
        var clientP50 = new List<double>();
        var clientP99 = new List<double>();
        var throughput = new List<double>();
        var echo = cluster.Client.GetGrain<IEchoGrain>("latency");
        for (var repeat = 0; repeat < settings.Repeats; repeat++)
        {
            var latencies = await cluster.Driver.MeasureLatency("latency", settings.Calls / 10, settings.Calls);
            p50.Add(Stats.Quantile(latencies, 0.5));
            p99.Add(Stats.Quantile(latencies, 0.99));
            var fromClient = await ClientLatencyAsync(echo, settings.Calls / 10, settings.Calls);
            clientP50.Add(Stats.Quantile(fromClient, 0.5));
            clientP99.Add(Stats.Quantile(fromClient, 0.99));
            throughput.Add(await cluster.Driver.MeasureThroughput(settings.ThroughputTargets, settings.Concurrency, settings.ThroughputSeconds));
            log.WriteLine($"calls repeat {repeat + 1}: silo→silo p50 {Stats.F(p50[^1])} µs p99 {Stats.F(p99[^1])} µs; " +
                          $"client→gateway→silo p50 {Stats.F(clientP50[^1])} µs p99 {Stats.F(clientP99[^1])} µs; {Stats.F(throughput[^1], 0)} calls/s");
        }
        var md = new StringBuilder();
        md.AppendLine($"| measure | median of {settings.Repeats} runs | runs |");
        md.AppendLine("|---|---|---|");
        md.AppendLine($"| silo A → grain on silo B, sequential, p50 | **{Stats.F(Stats.Median(p50))} µs** | {Stats.List(p50)} |");
        md.AppendLine($"| silo A → grain on silo B, sequential, p99 | **{Stats.F(Stats.Median(p99))} µs** | {Stats.List(p99)} |");
        md.AppendLine($"| silo A → {settings.ThroughputTargets} grains on silo B, {settings.Concurrency} calls in flight | **{Stats.F(Stats.Median(throughput), 0)} calls/s** | {Stats.List(throughput, 0)} |");
        md.AppendLine($"| client → gateway (silo A) → grain on silo B, sequential, p50 | {Stats.F(Stats.Median(clientP50))} µs | {Stats.List(clientP50)} |");
        md.AppendLine($"| client → gateway (silo A) → grain on silo B, sequential, p99 | {Stats.F(Stats.Median(clientP99))} µs | {Stats.List(clientP99)} |");
        md.AppendLine();
        md.AppendLine($"Latency: {settings.Calls} calls per run after {settings.Calls / 10} warm-up calls, `Task<int> Ping(int)`, " +
                      $"timed around each call. Throughput: {settings.ThroughputSeconds} s per run. " +
                      $"Old runtime (bench/RESULTS.md, \"Runtime: grain calls between two silos\", commit 22d8b1d, 5 runs of 20000 calls): " +
                      "silo → silo p50/p99 64.2/150.2 µs, 53779 calls/s; client → gateway → silo p50/p99 138.9/299.0 µs.");
        return md.ToString();
    }

    private static async Task<double[]> ClientLatencyAsync(IEchoGrain echo, int warmup, int calls)
    {
        for (var i = 0; i < warmup; i++) await echo.Ping(i);
        var latencies = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await echo.Ping(i);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }
        return latencies;
    }
}
