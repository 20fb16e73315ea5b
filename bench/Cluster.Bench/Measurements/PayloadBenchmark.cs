using System.Text;
using U2PL.Cluster.Bench.Grains;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// Large payloads between two silos against a raw TCP copy of the same bytes, in the same run, alternating:
/// per round a raw copy into a new array (the baseline), a raw copy into a reused array, one grain call carrying the
/// whole block as <see cref="U2PL.Contracts.RawFloats"/>, the block as sequential calls of a chunk each, and (unless
/// <c>--no-float-array</c>) the chunked calls with a <c>float[]</c> argument, which Orleans encodes element by element.
/// Throughput ratio = raw time / Orleans time (medians, and the median of the per-round ratios).
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
        await cluster.Driver.SendPayload("payload", totalBytes, (int)totalBytes, PayloadEncoding.RawBytes);
        await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes, PayloadEncoding.RawBytes);
        if (settings.InFlight > 0) await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes, PayloadEncoding.RawBytes, settings.InFlight);
        if (settings.FloatArray) await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes, PayloadEncoding.FloatArray);
        List<double> rawNew = [], rawReused = [], oneCall = [], chunked = [], pipelined = [], chunkedArray = [];
        var echo = cluster.Client.GetGrain<IEchoGrain>("payload");
        for (var round = 0; round < settings.Repeats; round++)
        {
            rawNew.Add(await raw.SendAsync(block));
            rawReused.Add(await rawReusing.SendAsync(block));
            var gc0 = await echo.GcCounts();
            oneCall.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, (int)totalBytes, PayloadEncoding.RawBytes)));
            var gc1 = await echo.GcCounts();
            chunked.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes, PayloadEncoding.RawBytes)));
            var gc2 = await echo.GcCounts();
            log.WriteLine($"  receiving silo: one call {Delta(gc1, gc0)}; chunked calls {Delta(gc2, gc1)}");
            if (settings.InFlight > 0) pipelined.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes, PayloadEncoding.RawBytes, settings.InFlight)));
            if (settings.FloatArray) chunkedArray.Add(Checked(await cluster.Driver.SendPayload("payload", totalBytes, chunkBytes, PayloadEncoding.FloatArray)));
            log.WriteLine($"payload round {round + 1}: raw {Stats.F(MiBps(totalBytes, rawNew[^1]), 0)} MiB/s (reused array {Stats.F(MiBps(totalBytes, rawReused[^1]), 0)}), " +
                          $"one call {Stats.F(MiBps(totalBytes, oneCall[^1]), 0)} MiB/s, {settings.ChunkMiB} MiB calls {Stats.F(MiBps(totalBytes, chunked[^1]), 0)} MiB/s" +
                          (settings.InFlight > 0 ? $", {settings.InFlight} in flight {Stats.F(MiBps(totalBytes, pipelined[^1]), 0)} MiB/s" : "") +
                          (settings.FloatArray ? $", {settings.ChunkMiB} MiB float[] calls {Stats.F(MiBps(totalBytes, chunkedArray[^1]), 0)} MiB/s" : ""));
        }
        var md = new StringBuilder();
        md.AppendLine($"| path ({settings.PayloadMiB} MiB of float32) | median MiB/s | ratio of medians | median of per-round ratios | " +
                      "vs raw into a reused float[]: ratio of medians | paired | runs (MiB/s) |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        Row("raw TCP socket copy (process → process, into a new float[]): **the baseline**", rawNew);
        Row("raw TCP socket copy into the float[] of the previous round (another sink process; no fresh memory)", rawReused);
        Row($"one grain call, silo A → silo B (`Sink(RawFloats)`, {settings.PayloadMiB} MiB as one byte[])", oneCall, bold: true);
        Row($"{totalBytes / chunkBytes} sequential grain calls of {settings.ChunkMiB} MiB `RawFloats`, silo A → silo B", chunked, bold: true);
        if (settings.InFlight > 0) Row($"{totalBytes / chunkBytes} grain calls of {settings.ChunkMiB} MiB `RawFloats`, {settings.InFlight} in flight, silo A → silo B", pipelined);
        if (settings.FloatArray) Row($"{totalBytes / chunkBytes} sequential grain calls of {settings.ChunkMiB} MiB `float[]` (element-wise codec), silo A → silo B", chunkedArray);
        var (serialize, deserialize) = CodecBenchmark.Run(totalBytes, settings.Repeats);
        log.WriteLine($"codec: serialize {Stats.List(serialize.Select(s => MiBps(totalBytes, s)), 0)} MiB/s, deserialize {Stats.List(deserialize.Select(s => MiBps(totalBytes, s)), 0)} MiB/s");
        md.AppendLine($"| (no network) Orleans' serializer alone, `RawFloats` of {settings.PayloadMiB} MiB into a buffer | {Stats.F(MiBps(totalBytes, Stats.Median(serialize)), 0)} | | | | | {Stats.List(serialize.Select(s => MiBps(totalBytes, s)), 0)} |");
        md.AppendLine($"| (no network) Orleans' deserializer alone, the same buffer into a new `RawFloats` | {Stats.F(MiBps(totalBytes, Stats.Median(deserialize)), 0)} | | | | | {Stats.List(deserialize.Select(s => MiBps(totalBytes, s)), 0)} |");
        md.AppendLine();
        md.AppendLine($"{settings.Repeats} alternating rounds (raw into a new array, raw into a reused array, one call, chunked calls" +
                      (settings.InFlight > 0 ? $", chunked calls {settings.InFlight} in flight" : "") + (settings.FloatArray ? ", chunked float[] calls" : "") + ") after one warm-up of each path. " +
                      "Orleans times are taken inside silo A from the call to the (checked) response; the raw time from the first byte sent to the sink's one-byte answer. " +
                      "Ratio = raw time / Orleans time; the per-round (paired) ratio compares runs taken seconds apart, which cancels slow phases of the machine that hit every path of a round.");
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

    private static double PairedRatio(List<double> raw, List<double> orleans) => Stats.Median(raw.Zip(orleans, (r, t) => r / t));

    private static double Checked(double seconds) =>
        seconds > 0 ? seconds : throw new InvalidOperationException("The echo grain's answer did not match the payload.");

    private static double MiBps(long bytes, double seconds) => bytes / seconds / (1 << 20);
}
