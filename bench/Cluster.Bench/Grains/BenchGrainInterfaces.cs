namespace U2PL.Runtime.Bench.Grains;

/// <summary>The callee: hosted on the silo with role <c>state</c>.</summary>
public interface IEchoGrain : IGrainWithStringKey
{
    /// <summary>A small request and response (an int each way).</summary>
    Task<int> Ping(int value);

    /// <summary>Receives a block of floats; returns its length and last element so that the caller can check it.</summary>
    [ResponseTimeout(120)]
    Task<float[]> Sink(float[] data);

    /// <summary>The silo hosting this activation.</summary>
    Task<string> GetSilo();

    /// <summary>Garbage collections (gen0, gen1, gen2) and minor page faults of the hosting silo process so far, for the benchmark's log.</summary>
    Task<long[]> GcCounts();
}

/// <summary>The caller: hosted on the silo with role <c>gpu</c>; measures calls to <see cref="IEchoGrain"/> from inside the silo.</summary>
public interface IBenchDriverGrain : IGrainWithStringKey
{
    /// <summary>Sequential small calls to one echo grain; returns each call's latency in microseconds.</summary>
    [ResponseTimeout(300)]
    Task<double[]> MeasureLatency(string target, int warmup, int calls);

    /// <summary>Small calls from <paramref name="concurrency"/> loops over <paramref name="targets"/> echo grains for a fixed time; returns calls completed per second.</summary>
    [ResponseTimeout(300)]
    Task<double> MeasureThroughput(int targets, int concurrency, double seconds);

    /// <summary>
    /// Sends <paramref name="totalBytes"/> of float32 to one echo grain as sequential calls of <paramref name="chunkBytes"/>
    /// each and returns the elapsed seconds (-1 when a response did not check out).
    /// </summary>
    [ResponseTimeout(300)]
    Task<double> SendPayload(string target, long totalBytes, int chunkBytes);

    /// <summary>The silo hosting this activation.</summary>
    Task<string> GetSilo();
}

/// <summary>A grain whose placement the failure-detection benchmark observes (any silo).</summary>
public interface ILocatedGrain : IGrainWithStringKey
{
    /// <summary>The silo hosting this activation.</summary>
    Task<string> GetSilo();
}
