namespace U2PL.Runtime.Configuration;

/// <summary>Where a silo listens and what it hosts.</summary>
public sealed class SiloOptions
{
    /// <summary>Host name or IP other silos and clients reach this silo on. Default 127.0.0.1.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>Address the listeners bind to. Default 0.0.0.0 (all interfaces).</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port; 0 for no gateway. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Roles hosted: <c>gpu</c>, <c>state</c> or <c>all</c>. Default <c>all</c>.</summary>
    public List<string> Roles { get; set; } = ["all"];

    /// <summary>HTTP port of /healthz, /readyz and /metrics; 0 for none. Default 8080.</summary>
    public int HealthPort { get; set; } = 8080;

    /// <summary>GPU slots: the most [UsesGpuSlot] activations this silo hosts. Default 0.</summary>
    public int GpuSlots { get; set; }
}
