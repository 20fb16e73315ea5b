using U2PL.Contracts;

namespace U2PL.Cluster.Bench.Grains;

/// <summary>The callee of the two-silo benchmarks: placed on the silo with the <c>state</c> role.</summary>
[Alias("u2pl.bench.echo")]
public interface IEchoGrain : IGrainWithStringKey
{
    /// <summary>A small request and response (an int each way).</summary>
    [Alias("ping")]
    Task<int> Ping(int value);

    /// <summary>Receives a block of float32 as raw bytes; returns its length and last element so that the caller can check it.</summary>
    [Alias("sink"), ResponseTimeout("00:02:00")]
    Task<float[]> Sink(RawFloats data);

    /// <summary>The same with a <c>float[]</c> argument, which Orleans encodes element by element (for comparison).</summary>
    [Alias("sink-array"), ResponseTimeout("00:02:00")]
    Task<float[]> SinkArray(float[] data);

    /// <summary>The silo hosting this activation.</summary>
    [Alias("silo")]
    Task<string> GetSilo();

    /// <summary>Garbage collections (gen0, gen1, gen2) and minor page faults of the hosting silo process so far, for the benchmark's log.</summary>
    [Alias("gc")]
    Task<long[]> GcCounts();
}
