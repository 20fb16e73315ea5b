using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using U2PL.Contracts;
using U2PL.Grains.DataPlane;
using U2PL.Grains.Hosting;
using U2PL.Grains.Placement;

namespace U2PL.Cluster.Bench.Grains;

/// <summary>
/// The caller of the two-silo benchmarks, on a GPU slot (the product's GPU-slot placement, so on the <c>gpu</c> silo):
/// timing is taken inside the silo, so no client hop is in it.
/// </summary>
[GpuSlotPlacement]
public sealed class BenchDriverGrain(IOptions<U2plSiloOptions> silo) : Grain, IBenchDriverGrain
{
    /// <inheritdoc />
    public async Task<double[]> MeasureLatency(string target, int warmup, int calls)
    {
        var echo = GrainFactory.GetGrain<IEchoGrain>(target);
        for (var i = 0; i < warmup; i++) await echo.Ping(i);
        var latencies = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            if (await echo.Ping(i) != i + 1) throw new InvalidOperationException("Wrong echo.");
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }
        return latencies;
    }

    /// <inheritdoc />
    public async Task<double> MeasureThroughput(int targets, int concurrency, double seconds)
    {
        var echoes = Enumerable.Range(0, targets).Select(i => GrainFactory.GetGrain<IEchoGrain>($"tp-{i}")).ToArray();
        foreach (var echo in echoes) await echo.Ping(0); // activate before timing
        var stopAt = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var counts = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async loop =>
        {
            var echo = echoes[loop % echoes.Length];
            long n = 0;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                await echo.Ping(loop);
                n++;
            }
            return n;
        }));
        return counts.Sum() / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <inheritdoc />
    public async Task<double> SendPayload(string target, long totalBytes, int chunkBytes, PayloadEncoding encoding, int inFlight = 1)
    {
        var echo = GrainFactory.GetGrain<IEchoGrain>(target);
        var chunk = new float[chunkBytes / sizeof(float)];
        for (var i = 0; i < chunk.Length; i++) chunk[i] = i * 0.5f;
        var raw = encoding == PayloadEncoding.RawBytes ? new RawFloats { Bytes = MemoryMarshal.AsBytes(chunk.AsSpan()).ToArray() } : null;
        await echo.Ping(0); // activated and connected before timing
        var calls = totalBytes / chunkBytes;
        var issued = 0L;
        var started = Stopwatch.GetTimestamp();
        var checks = await Task.WhenAll(Enumerable.Range(0, Math.Max(1, inFlight)).Select(async _ =>
        {
            var ok = true;
            while (issued++ < calls) // the grain's turns never run in parallel: no race on the counter
            {
                var answer = encoding == PayloadEncoding.RawBytes ? await echo.Sink(raw!) : await echo.SinkArray(chunk);
                ok &= answer.Length == 2 && answer[0] == chunk.Length && answer[1] == chunk[^1];
            }
            return ok;
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return checks.All(ok => ok) ? elapsed : -1;
    }

    /// <inheritdoc />
    public async Task<LatencyUnderTransfer> MeasureLatencyUnderTransfer(string target, int samples, int minTransfers, TransferPath path, int dataPlanePort, long transferBytes, double pacedMiBps, double maxSeconds)
    {
        var echo = GrainFactory.GetGrain<IEchoGrain>(target);
        for (var i = 0; i < 200; i++) await echo.Ping(i);
        using var stop = new CancellationTokenSource();
        var load = path switch
        {
            TransferPath.DataPlane or TransferPath.DataPlaneSamePriority => BackgroundTransfers.DataPlane(new IPEndPoint(IPAddress.Loopback, dataPlanePort),
                silo.Value.Tls() is { } files ? new DataPlaneTls(files) : null, new DataPlaneOptions { Nice = path == TransferPath.DataPlane ? Measurements.LatencyUnderTransferBenchmark.LoweredNice : 0 },
                transferBytes, pacedMiBps, stop.Token),
            TransferPath.Orleans => BackgroundTransfers.Orleans(GrainFactory.GetGrain<IEchoGrain>("transfer"), transferBytes, pacedMiBps, stop.Token),
            _ => null,
        };
        if (load is not null && await Task.WhenAny(load.FirstDone, load.Running) == load.Running) await load.Running; // a failed first transfer throws here
        var before = load?.Completed ?? 0;
        var latencies = new List<double>(samples);
        var started = Stopwatch.GetTimestamp();
        // Paced calls (one, then a pause of ~1 ms), as control-plane traffic is, until there are enough samples and
        // enough transfers have completed while they were taken; at most maxSeconds.
        while ((latencies.Count < samples || load is not null && load.Completed - before < minTransfers) && Stopwatch.GetElapsedTime(started).TotalSeconds < maxSeconds)
        {
            var call = Stopwatch.GetTimestamp();
            if (await echo.Ping(latencies.Count) != latencies.Count + 1) throw new InvalidOperationException("Wrong echo.");
            latencies.Add(Stopwatch.GetElapsedTime(call).TotalMicroseconds);
            if (load?.Running.IsFaulted == true) await load.Running;
            await Task.Delay(1);
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var transfers = (load?.Completed ?? 0) - before;
        stop.Cancel();
        if (load is not null) await load.Running;
        return new LatencyUnderTransfer([.. latencies], transfers, transfers * transferBytes, seconds);
    }

    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(RuntimeIdentity);
}
