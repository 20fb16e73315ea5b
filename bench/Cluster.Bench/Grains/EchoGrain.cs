using System.Globalization;
using U2PL.Contracts;
using U2PL.Grains.Placement;

namespace U2PL.Cluster.Bench.Grains;

/// <summary>The callee of the two-silo benchmarks, on a <c>state</c> silo (the product's state-silo placement).</summary>
[StateSiloPlacement]
public sealed class EchoGrain : Grain, IEchoGrain
{
    private static readonly float[] Empty = [];

    /// <inheritdoc />
    public Task<int> Ping(int value) => Task.FromResult(value + 1);

    /// <inheritdoc />
    public Task<float[]> Sink(RawFloats data) => Task.FromResult(data.Length == 0 ? Empty : new[] { data.Length, data.Span[^1] });

    /// <inheritdoc />
    public Task<float[]> SinkArray(float[] data) => Task.FromResult(data.Length == 0 ? Empty : new[] { data.Length, data[^1] });

    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(RuntimeIdentity);

    /// <inheritdoc />
    public Task<long[]> GcCounts() => Task.FromResult(new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), MinorPageFaults() });

    // Field 10 of /proc/self/stat (minflt): pages the kernel had to map in, e.g. fresh heap memory touched the first time.
    private static long MinorPageFaults() =>
        File.Exists("/proc/self/stat")
            ? long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7], CultureInfo.InvariantCulture)
            : -1;
}
