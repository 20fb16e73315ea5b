namespace U2PL.Cluster.Bench.Grains;

/// <summary>What runs beside the timed grain calls of <see cref="IBenchDriverGrain.MeasureLatencyUnderTransfer"/>.</summary>
[GenerateSerializer, Alias("u2pl.bench.transfer-path")]
public enum TransferPath
{
    /// <summary>Nothing: the idle latency.</summary>
    None,

    /// <summary>Back-to-back transfers through the tensor data plane, silo A → silo B, on its threads at nice +10 (`--data-plane-nice 10`).</summary>
    DataPlane,

    /// <summary>The same on the data plane's threads at the silo's own priority (nice 0, the default): what the lower priority buys.</summary>
    DataPlaneSamePriority,

    /// <summary>Back-to-back grain calls carrying the block as <see cref="U2PL.Contracts.RawFloats"/>, silo A → silo B.</summary>
    Orleans,
}

/// <summary>The timed calls' latencies (µs) and the transfers that completed while they ran.</summary>
[GenerateSerializer, Immutable, Alias("u2pl.bench.latency-under-transfer")]
public sealed record LatencyUnderTransfer(
    [property: Id(0)] double[] Latencies,
    [property: Id(1)] int Transfers,
    [property: Id(2)] long TransferredBytes,
    [property: Id(3)] double Seconds);
