namespace U2PL.Cluster.Bench.Grains;

/// <summary>The caller: placed on the silo with the <c>gpu</c> role; measures calls to <see cref="IEchoGrain"/> from inside the silo.</summary>
[Alias("u2pl.bench.driver")]
public interface IBenchDriverGrain : IGrainWithStringKey
{
    /// <summary>Sequential small calls to one echo grain; returns each call's latency in microseconds.</summary>
    [Alias("latency"), ResponseTimeout("00:05:00")]
    Task<double[]> MeasureLatency(string target, int warmup, int calls);

    /// <summary>Small calls from <paramref name="concurrency"/> loops over <paramref name="targets"/> echo grains for a fixed time; returns calls completed per second.</summary>
    [Alias("throughput"), ResponseTimeout("00:05:00")]
    Task<double> MeasureThroughput(int targets, int concurrency, double seconds);

    /// <summary>
    /// Sends <paramref name="totalBytes"/> of float32 to one echo grain as sequential calls of <paramref name="chunkBytes"/>
    /// each, as <see cref="U2PL.Contracts.RawFloats"/> or as <c>float[]</c>, with up to <paramref name="inFlight"/> calls
    /// outstanding, and returns the elapsed seconds (-1 when a response did not check out).
    /// </summary>
    [Alias("payload"), ResponseTimeout("00:10:00")]
    Task<double> SendPayload(string target, long totalBytes, int chunkBytes, PayloadEncoding encoding, int inFlight = 1);

    /// <summary>
    /// Sequential small calls to one echo grain (paced: about 1 ms between calls) while <paramref name="path"/> moves
    /// blocks of <paramref name="transferBytes"/> back to back to silo B (the data plane to the server listening on
    /// <paramref name="dataPlanePort"/>, or grain calls); at least <paramref name="samples"/> calls and, under transfer,
    /// until <paramref name="minTransfers"/> transfers completed while they ran, at most <paramref name="maxSeconds"/>.
    /// Timing starts after the first transfer. <paramref name="pacedMiBps"/> &gt; 0 spaces the transfers so that they
    /// average that rate (a transfer still goes at full speed, then the sender waits).
    /// </summary>
    [Alias("latency-under-transfer"), ResponseTimeout("00:10:00")]
    Task<LatencyUnderTransfer> MeasureLatencyUnderTransfer(string target, int samples, int minTransfers, TransferPath path, int dataPlanePort, long transferBytes, double pacedMiBps, double maxSeconds);

    /// <summary>The silo hosting this activation.</summary>
    [Alias("silo")]
    Task<string> GetSilo();
}

/// <summary>How <see cref="IBenchDriverGrain.SendPayload"/> ships the floats.</summary>
[GenerateSerializer, Alias("u2pl.bench.payload-encoding")]
public enum PayloadEncoding
{
    /// <summary><see cref="U2PL.Contracts.RawFloats"/>: one byte block (the product's tensor type).</summary>
    RawBytes,

    /// <summary><c>float[]</c>: Orleans' element-wise array codec.</summary>
    FloatArray,
}
