namespace U2PL.Grains.Hosting;

/// <summary>How a U2PL silo joins its cluster: what <c>u2pl-silo</c>'s flags and the demo's in-process silo set.</summary>
public sealed record U2plSiloOptions
{
    /// <summary><c>local</c> (one process, localhost clustering and memory storage) or a Redis endpoint (<c>redis://host:port</c>).</summary>
    public string Cluster { get; init; } = "local";
    public string ClusterId { get; init; } = "u2pl";
    public IReadOnlyList<string> Roles { get; init; } = ["all"];
    public int GpuSlots { get; init; }
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    /// <summary>The address other silos and clients reach this silo on.</summary>
    public string AdvertisedHost { get; init; } = "127.0.0.1";
    public string ListenAddress { get; init; } = "0.0.0.0";
    /// <summary>How long a silo may stay silent before the others declare it dead (null: Orleans' defaults, ~12 s).</summary>
    public TimeSpan? DeathTimeout { get; init; }
    public TimeSpan? ResponseTimeout { get; init; }
    /// <summary>The largest message body (a run's weights travel in one message per shard).</summary>
    public int MaxMessageBodySize { get; init; } = DefaultMaxMessageBodySize;
    /// <summary>Mutual TLS on every connection, or null for plain TCP (a one-process cluster, or <c>--insecure</c>).</summary>
    public ClusterTls? Tls { get; init; }

    public const int DefaultMaxMessageBodySize = 512 << 20;
}
