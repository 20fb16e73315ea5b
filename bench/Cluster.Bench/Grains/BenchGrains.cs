using System.Diagnostics;

namespace U2PL.Runtime.Bench.Grains;

/// <summary>The callee of the two-silo benchmarks.</summary>
[SiloRole("state")]
public sealed class EchoGrain : Grain, IEchoGrain
{
    private static readonly float[] Empty = [];

    /// <inheritdoc />
    public Task<int> Ping(int value) => Task.FromResult(value + 1);

    /// <inheritdoc />
    public Task<float[]> Sink(float[] data) => Task.FromResult(data.Length == 0 ? Empty : new[] { data.Length, data[^1] });

    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(GrainContext.SiloAddress);

    /// <inheritdoc />
    public Task<long[]> GcCounts() => Task.FromResult(new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), MinorPageFaults() });

    // Field 10 of /proc/self/stat (minflt): pages the kernel had to map in, e.g. fresh heap memory touched the first time.
    private static long MinorPageFaults() =>
        File.Exists("/proc/self/stat") ? long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7], System.Globalization.CultureInfo.InvariantCulture) : -1;
}

/// <summary>The caller of the two-silo benchmarks: timing is taken inside the silo, so the client hop is not in it.</summary>
[SiloRole("gpu")]
public sealed class BenchDriverGrain : Grain, IBenchDriverGrain
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
    public async Task<double> SendPayload(string target, long totalBytes, int chunkBytes)
    {
        var echo = GrainFactory.GetGrain<IEchoGrain>(target);
        var chunk = new float[chunkBytes / sizeof(float)];
        for (var i = 0; i < chunk.Length; i++) chunk[i] = i * 0.5f;
        await echo.Ping(0); // activated and connected before timing
        var calls = totalBytes / chunkBytes;
        var ok = true;
        var started = Stopwatch.GetTimestamp();
        for (long c = 0; c < calls; c++)
        {
            var answer = await echo.Sink(chunk);
            ok &= answer.Length == 2 && answer[0] == chunk.Length && answer[1] == chunk[^1];
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return ok ? elapsed : -1;
    }

    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(GrainContext.SiloAddress);
}

/// <summary>Placed on any silo; the failure-detection benchmark kills the silo that hosts it.</summary>
public sealed class LocatedGrain : Grain, ILocatedGrain
{
    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(GrainContext.SiloAddress);
}
