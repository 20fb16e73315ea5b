using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using U2PL.Grains.DataPlane;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// <c>payload --data-plane</c> (issue 22): the same float32 block from this process to a sink process through the tensor
/// data plane — as one transfer, as sequential transfers of a chunk each, and as chunk transfers <c>--in-flight</c> at a
/// time (as a worker pushes gradient buckets) over one connection — against a raw
/// socket copy (a raw TLS socket copy with <c>--tls</c>), alternated per round in one run. The ratios are
/// raw time / data-plane time per round; their medians are reported. The primary baseline is the raw copy into a
/// reused array: the data plane lands bodies in pooled, reused buffers, so both sides then pay the same for memory;
/// the raw copy into a new array (the Orleans benchmark's baseline, which also pays for fresh pages) is reported beside it.
/// Around the baseline, the one transfer and the chunked transfers in flight, the CPU time (user + system) of the
/// sending process (this one) and of the receiving process is taken, as CPU seconds per GiB moved (issue 22, item 4).
/// </summary>
internal static class DataPlaneBenchmark
{
    public static async Task<(string Markdown, string Json)> RunAsync(BenchSettings settings, BenchTls? tls, TextWriter log)
    {
        var totalBytes = (long)settings.PayloadMiB << 20;
        var chunkFloats = (settings.ChunkMiB << 20) / sizeof(float);
        var block = new float[totalBytes / sizeof(float)];
        for (var i = 0; i < block.Length; i++) block[i] = i * 0.25f;
        var loadBefore = LoadAverage();
        await using var rawNew = await RawTcpCopy.StartAsync(reuseArray: false, tls);
        await using var rawReused = await RawTcpCopy.StartAsync(reuseArray: true, tls);
        var (sinkProcess, sinkEndPoint) = await DataPlaneSink.StartAsync(tls);
        try
        {
            await using var client = new DataPlaneClient(sinkEndPoint, new DataPlaneOptions(), tls?.Client);
            async Task<double> OneCall()
            {
                var started = Stopwatch.GetTimestamp();
                await client.PushAsync(Guid.NewGuid(), 0, 1, block);
                return Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
            async Task<double> Chunked(int inFlight)
            {
                var started = Stopwatch.GetTimestamp();
                var window = new Queue<Task>();
                for (var offset = 0; offset < block.Length; offset += chunkFloats)
                {
                    if (window.Count == inFlight) await window.Dequeue();
                    window.Enqueue(client.PushAsync(Guid.NewGuid(), offset / chunkFloats, 1, block.AsMemory(offset, Math.Min(chunkFloats, block.Length - offset))));
                }
                await Task.WhenAll(window);
                return Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
            var inFlight = Math.Max(settings.InFlight, 1);
            await rawNew.SendAsync(block); // warm-up of each path
            await rawReused.SendAsync(block);
            for (var warmUp = 0; warmUp < 2; warmUp++) // the checksum's vector code reaches its optimised tier
            {
                await OneCall();
                await Chunked(1);
                await Chunked(inFlight);
            }
            List<double> news = [], reused = [], one = [], chunked = [], pipelined = [];
            var cpu = new CpuPerGiB(totalBytes);
            TimeSpan SinkCpu()
            {
                sinkProcess.Refresh();
                return sinkProcess.TotalProcessorTime;
            }
            for (var round = 0; round < settings.Repeats; round++)
            {
                news.Add(await rawNew.SendAsync(block));
                reused.Add(await cpu.MeasureAsync("raw", () => rawReused.SendAsync(block), () => rawReused.SinkProcessorTime));
                one.Add(await cpu.MeasureAsync("one_call", OneCall, SinkCpu));
                chunked.Add(await Chunked(1));
                pipelined.Add(await cpu.MeasureAsync("chunked", () => Chunked(inFlight), SinkCpu));
                log.WriteLine($"data plane round {round + 1}: raw{(tls is null ? "" : " TLS")} {F(MiBps(totalBytes, news[^1]))} MiB/s (reused array {F(MiBps(totalBytes, reused[^1]))}), " +
                              $"one transfer {F(MiBps(totalBytes, one[^1]))} MiB/s, {settings.ChunkMiB} MiB transfers {F(MiBps(totalBytes, chunked[^1]))} MiB/s, {inFlight} in flight {F(MiBps(totalBytes, pipelined[^1]))} MiB/s");
            }
            var loadAfter = LoadAverage();
            return (Markdown(settings, tls is not null, totalBytes, news, reused, one, chunked, pipelined, inFlight, loadBefore, loadAfter) + cpu.Markdown(tls is not null),
                Json(settings, tls is not null, totalBytes, news, reused, one, chunked, pipelined, inFlight, loadBefore, loadAfter, cpu));
        }
        finally
        {
            sinkProcess.StandardInput.Close();
            if (!sinkProcess.WaitForExit(5000)) sinkProcess.Kill();
            sinkProcess.Dispose();
        }
    }

    private static string Markdown(BenchSettings settings, bool tls, long totalBytes, List<double> news, List<double> reused, List<double> one, List<double> chunked, List<double> pipelined, int inFlight, string loadBefore, string loadAfter)
    {
        var raw = tls ? "raw TLS socket copy (SslStream, the data plane's TLS settings)" : "raw TCP socket copy";
        var md = new StringBuilder();
        md.AppendLine($"| path ({settings.PayloadMiB} MiB of float32, process → process{(tls ? ", mutual TLS" : ", plain TCP")}) | median MiB/s | median of per-round ratios vs raw into a reused array | vs raw into a new array | runs (MiB/s) |");
        md.AppendLine("|---|---|---|---|---|");
        Row($"{raw} into a new float[] each time", news);
        Row($"{raw} into the float[] of the previous round: **the baseline**", reused);
        Row($"data plane, one transfer of {settings.PayloadMiB} MiB", one, bold: true);
        Row($"data plane, {totalBytes / ((long)settings.ChunkMiB << 20)} sequential transfers of {settings.ChunkMiB} MiB over one connection (each waits for the previous one's answer)", chunked);
        Row($"data plane, {totalBytes / ((long)settings.ChunkMiB << 20)} transfers of {settings.ChunkMiB} MiB, {inFlight} in flight on one connection: **ratio_chunked**", pipelined, bold: true);
        md.AppendLine();
        md.AppendLine($"{settings.Repeats} alternating rounds after warm-ups (one of each raw copy, two of each data-plane path); load average {loadBefore} before, {loadAfter} after. " +
                      "Each time runs from the first byte sent to the receiver's answer (the data plane's after the checksum is verified and the consumer has the body).");
        return md.ToString();

        void Row(string path, List<double> seconds, bool bold = false)
        {
            var b = bold ? "**" : "";
            md.AppendLine($"| {path} | {F(MiBps(totalBytes, Stats.Median(seconds)))} | {b}{Stats.F(Paired(reused, seconds), 2)}{b} | {Stats.F(Paired(news, seconds), 2)} | " +
                          $"{Stats.List(seconds.Select(s => MiBps(totalBytes, s)), 0)} |");
        }
    }

    private static string Json(BenchSettings settings, bool tls, long totalBytes, List<double> news, List<double> reused, List<double> one, List<double> chunked, List<double> pipelined, int inFlight, string loadBefore, string loadAfter, CpuPerGiB cpu) =>
        JsonSerializer.Serialize(new Dictionary<string, object>(cpu.JsonFields())
        {
            ["benchmark"] = "payload --data-plane",
            ["transport"] = tls ? "mutual TLS" : "plain TCP",
            ["payload_mib"] = settings.PayloadMiB,
            ["chunk_mib"] = settings.ChunkMiB,
            ["repeats"] = settings.Repeats,
            ["baseline"] = tls ? "raw TLS socket copy into a reused array" : "raw TCP socket copy into a reused array",
            ["ratio_one_call"] = Math.Round(Paired(reused, one), 3),
            ["ratio_chunked"] = Math.Round(Paired(reused, pipelined), 3),
            ["chunked_in_flight"] = inFlight,
            ["ratio_chunked_sequential"] = Math.Round(Paired(reused, chunked), 3),
            ["ratio_one_call_vs_new_array"] = Math.Round(Paired(news, one), 3),
            ["ratio_chunked_vs_new_array"] = Math.Round(Paired(news, pipelined), 3),
            ["mib_s_raw_new_array"] = Math.Round(MiBps(totalBytes, Stats.Median(news)), 1),
            ["mib_s_raw_reused_array"] = Math.Round(MiBps(totalBytes, Stats.Median(reused)), 1),
            ["mib_s_one_call"] = Math.Round(MiBps(totalBytes, Stats.Median(one)), 1),
            ["mib_s_chunked"] = Math.Round(MiBps(totalBytes, Stats.Median(pipelined)), 1),
            ["mib_s_chunked_sequential"] = Math.Round(MiBps(totalBytes, Stats.Median(chunked)), 1),
            ["load_before"] = loadBefore,
            ["load_after"] = loadAfter,
        });

    /// <summary>The median over rounds of raw time / data-plane time.</summary>
    private static double Paired(List<double> raw, List<double> dataPlane) => Stats.Median(raw.Zip(dataPlane, (r, d) => r / d));

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double MiBps(long bytes, double seconds) => bytes / seconds / (1 << 20);

    private static string F(double value) => value.ToString("F0", CultureInfo.InvariantCulture);
}
