using System.Text;

namespace U2PL.Runtime.Bench.Measurements;

/// <summary>
/// Large payloads between two silos against a raw TCP copy of the same bytes, in the same run, alternating:
/// per round a raw copy into a new array (the baseline), a raw copy into a reused array, one grain call carrying the
/// whole block (the transport cuts it into frames), and the block as sequential calls of a chunk each.
/// Throughput ratio = raw time / runtime time (medians, and the median of the per-round ratios).
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
        await using var rawReusing = await RawTcpCopy.StartAsync(reuseArray: true);
        await raw.SendAsync(block); // warm-up of each path
        await rawReusing.SendAsync(block);
        await cluster.Driver.SendPayload("payload", totalBytes, (int)Math.Min(totalBytes, int.MaxValue));
        await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes);
        List<double> rawNew = [], rawReused = [], oneCall = [], chunked = [];
        var echo = cluster.Client.GetGrain<Grains.IEchoGrain>("payload");
        for (var round = 0; round < settings.Repeats; round++)
        {
            rawNew.Add(await raw.SendAsync(block));
            rawReused.Add(await rawReusing.SendAsync(block));
            var gc0 = await echo.GcCounts();
            oneCall.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, (int)totalBytes)));
            var gc1 = await echo.GcCounts();
            chunked.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes)));
            var gc2 = await echo.GcCounts();
            log.WriteLine($"  receiving silo: one call {Delta(gc1, gc0)}; chunked calls {Delta(gc2, gc1)}");
            log.WriteLine($"payload round {round + 1}: raw {Stats.F(MiBps(totalBytes, rawNew[^1]), 0)} MiB/s (reused array {Stats.F(MiBps(totalBytes, rawReused[^1]), 0)}), " +
                          $"one call {Stats.F(MiBps(totalBytes, oneCall[^1]), 0)} MiB/s, {settings.ChunkMiB} MiB calls {Stats.F(MiBps(totalBytes, chunked[^1]), 0)} MiB/s");
        }
        var md = new StringBuilder();
        md.AppendLine($"| path ({settings.PayloadMiB} MiB of float32) | median MiB/s | ratio of medians | median of per-round ratios | " +
                      "vs raw into a reused float[]: ratio of medians | paired | runs (MiB/s) |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        Row("raw TCP socket copy (process → process, into a new float[]): **the baseline**", rawNew);
        Row("raw TCP socket copy into the float[] of the previous round (another sink process; no fresh memory)", rawReused);
        Row($"one grain call, silo A → silo B (`Sink(float[])`, {settings.PayloadMiB} MiB argument in 1 MiB frames)", oneCall, bold: true);
        Row($"{totalBytes / chunkBytes} sequential grain calls of {settings.ChunkMiB} MiB, silo A → silo B", chunked, bold: true);
        md.AppendLine();
        md.AppendLine($"{settings.Repeats} alternating rounds (raw into a new array, raw into a reused array, one call, chunked calls) after one warm-up of each path. " +
                      "Runtime times are taken inside silo A from the call to the (checked) response; the raw time from the first byte sent to the sink's one-byte answer. " +
                      "Ratio = raw time / runtime time; the per-round (paired) ratio compares runs taken seconds apart, which cancels slow phases of the machine that hit every path of a round.");
        return md.ToString();

        void Row(string path, List<double> seconds, bool bold = false)
        {
            var b = bold ? "**" : "";
            md.AppendLine($"| {path} | {Stats.F(MiBps(totalBytes, Stats.Median(seconds)), 0)} | {b}{Stats.F(Stats.Median(rawNew) / Stats.Median(seconds), 2)}{b} | " +
                          $"{b}{Stats.F(PairedRatio(rawNew, seconds), 2)}{b} | {Stats.F(Stats.Median(rawReused) / Stats.Median(seconds), 2)} | " +
                          $"{Stats.F(PairedRatio(rawReused, seconds), 2)} | {Stats.List(seconds.Select(s => MiBps(totalBytes, s)), 0)} |");
        }
    }

    private static string Delta(long[] after, long[] before) =>
        $"GCs (gen0/1/2) {after[0] - before[0]}/{after[1] - before[1]}/{after[2] - before[2]}, {after[3] - before[3]} page faults";

    private static double PairedRatio(List<double> raw, List<double> runtime) => Stats.Median(raw.Zip(runtime, (r, t) => r / t));

    private static double Checked(double seconds) =>
        seconds > 0 ? seconds : throw new InvalidOperationException("The echo grain's answer did not match the payload.");

    private static double MiBps(long bytes, double seconds) => bytes / seconds / (1 << 20);
}
