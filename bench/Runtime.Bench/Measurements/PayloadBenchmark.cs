using System.Text;

namespace U2PL.Runtime.Bench.Measurements;

/// <summary>
/// Large payloads between two silos against a raw TCP copy of the same bytes, in the same run, alternating:
/// per round one raw copy, one grain call carrying the whole block (the transport cuts it into frames), and the
/// block as sequential calls of a chunk each. Throughput ratio = raw time / runtime time (medians).
/// </summary>
internal static class PayloadBenchmark
{
    public static async Task<string> RunAsync(TwoSiloCluster cluster, BenchSettings settings, TextWriter log)
    {
        var totalBytes = (long)settings.PayloadMiB << 20;
        var chunkBytes = settings.ChunkMiB << 20;
        var block = new float[totalBytes / sizeof(float)];
        for (var i = 0; i < block.Length; i++) block[i] = i * 0.25f;
        await using var raw = await RawTcpCopy.StartAsync();
        await raw.SendAsync(block); // warm-up of each path
        await cluster.Driver.SendPayload("payload", totalBytes, (int)Math.Min(totalBytes, int.MaxValue));
        await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes);
        var rawSeconds = new List<double>();
        var oneCall = new List<double>();
        var chunked = new List<double>();
        var echo = cluster.Client.GetGrain<Grains.IEchoGrain>("payload");
        for (var round = 0; round < settings.Repeats; round++)
        {
            rawSeconds.Add(await raw.SendAsync(block));
            var gc0 = await echo.GcCounts();
            oneCall.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, (int)totalBytes)));
            var gc1 = await echo.GcCounts();
            chunked.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes)));
            var gc2 = await echo.GcCounts();
            log.WriteLine($"  receiving silo GCs (gen0/1/2): one call {string.Join('/', gc1.Zip(gc0, (a, b) => a - b))}, chunked calls {string.Join('/', gc2.Zip(gc1, (a, b) => a - b))}");
            log.WriteLine($"payload round {round + 1}: raw {Stats.F(MiBps(totalBytes, rawSeconds[^1]), 0)} MiB/s, " +
                          $"one call {Stats.F(MiBps(totalBytes, oneCall[^1]), 0)} MiB/s, {settings.ChunkMiB} MiB calls {Stats.F(MiBps(totalBytes, chunked[^1]), 0)} MiB/s");
        }
        double rawMedian = Stats.Median(rawSeconds), oneMedian = Stats.Median(oneCall), chunkMedian = Stats.Median(chunked);
        var md = new StringBuilder();
        md.AppendLine($"| path ({settings.PayloadMiB} MiB of float32) | median MiB/s | ratio of medians | median of per-round ratios | runs (MiB/s) |");
        md.AppendLine("|---|---|---|---|---|");
        md.AppendLine($"| raw TCP socket copy (process → process, into a new float[]) | {Stats.F(MiBps(totalBytes, rawMedian), 0)} | 1.00 | 1.00 | {Stats.List(rawSeconds.Select(s => MiBps(totalBytes, s)), 0)} |");
        md.AppendLine($"| one grain call, silo A → silo B (`Sink(float[])`, {settings.PayloadMiB} MiB argument in 1 MiB frames) | {Stats.F(MiBps(totalBytes, oneMedian), 0)} | **{Stats.F(rawMedian / oneMedian, 2)}** | **{Stats.F(PairedRatio(rawSeconds, oneCall), 2)}** | {Stats.List(oneCall.Select(s => MiBps(totalBytes, s)), 0)} |");
        md.AppendLine($"| {totalBytes / chunkBytes} sequential grain calls of {settings.ChunkMiB} MiB, silo A → silo B | {Stats.F(MiBps(totalBytes, chunkMedian), 0)} | **{Stats.F(rawMedian / chunkMedian, 2)}** | **{Stats.F(PairedRatio(rawSeconds, chunked), 2)}** | {Stats.List(chunked.Select(s => MiBps(totalBytes, s)), 0)} |");
        md.AppendLine();
        md.AppendLine($"{settings.Repeats} alternating rounds (raw, one call, chunked calls) after one warm-up of each path. Runtime times are taken inside silo A from the call " +
                      "to the (checked) response; the raw time from the first byte sent to the sink's one-byte answer. Ratio = raw time / runtime time; " +
                      "the per-round ratio compares runs taken seconds apart, which cancels slow phases of the machine that hit every path of a round.");
        return md.ToString();
    }

    private static double PairedRatio(List<double> raw, List<double> runtime) => Stats.Median(raw.Zip(runtime, (r, t) => r / t));

    private static double Checked(double seconds) =>
        seconds > 0 ? seconds : throw new InvalidOperationException("The echo grain's answer did not match the payload.");

    private static double MiBps(long bytes, double seconds) => bytes / seconds / (1 << 20);
}
