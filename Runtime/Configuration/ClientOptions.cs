namespace U2PL.Runtime.Configuration;

/// <summary>Cluster client settings.</summary>
public sealed class ClientOptions
{
    /// <summary>
    /// Gateways as <c>host:port</c>. When empty, the client reads the active gateways from the membership table.
    /// </summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>The client's id; default a new GUID per client instance.</summary>
    public string ClientId { get; set; } = Guid.NewGuid().ToString("N");

    /// <summary>How often the gateway list is refreshed from the membership table. Default 2 s.</summary>
    public TimeSpan GatewayRefreshPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
