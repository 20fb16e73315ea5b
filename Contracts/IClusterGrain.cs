using Orleans.Concurrency;

namespace U2PL.Contracts;

/// <summary>The cluster as <c>u2pl cluster status</c> shows it (key <see cref="Key"/>).</summary>
[Alias("u2pl.cluster")]
public interface IClusterGrain : IGrainWithStringKey
{
    public const string Key = "cluster";

    [ReadOnly]
    Task<ClusterSnapshot> Describe();
}

[GenerateSerializer]
public sealed record ClusterSnapshot
{
    [Id(1)] public long MembershipVersion { get; init; }
    [Id(2)] public List<SiloInfo> Silos { get; init; } = [];
    /// <summary>The U2PL grains of the runs that are not finished, by the silo that hosts them.</summary>
    [Id(3)] public Dictionary<string, List<string>> GrainsBySilo { get; init; } = [];
    /// <summary>GPU slots of active silos, and how many of them run workers.</summary>
    [Id(4)] public int GpuSlots { get; init; }
    [Id(5)] public int GpuSlotsUsed { get; init; }
}

[GenerateSerializer]
public sealed record SiloInfo
{
    [Id(1)] public string Address { get; init; } = "";
    [Id(2)] public List<string> Roles { get; init; } = [];
    [Id(3)] public int GpuSlots { get; init; }
    [Id(4)] public string Status { get; init; } = "";
    [Id(5)] public DateTimeOffset LastHeartbeat { get; init; }
    [Id(6)] public DateTimeOffset Started { get; init; }
    [Id(7)] public int GatewayPort { get; init; }
}
