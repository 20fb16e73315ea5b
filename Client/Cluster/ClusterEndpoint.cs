namespace U2PL.Client.Cluster;

/// <summary>
/// Where the cluster is: gateways (<c>host:port</c>) or the Redis server holding its membership, whose active gateways
/// the client discovers; and the cluster id.
/// </summary>
public sealed record ClusterEndpoint
{
    /// <summary>The default gateway when neither <c>--cluster</c> nor <c>U2PL_CLUSTER</c> is given.</summary>
    public const string DefaultGateway = "127.0.0.1:30000";

    /// <summary>Gateways as <c>host:port</c>; empty when <see cref="Store"/> is set.</summary>
    public IReadOnlyList<string> Gateways { get; init; } = [];

    /// <summary>A <c>redis://</c> address to discover gateways in, or null.</summary>
    public string? Store { get; init; }

    public string ClusterId { get; init; } = "u2pl";

    /// <summary>The client's TLS identity, or null for plain TCP.</summary>
    public U2PL.Grains.Hosting.ClusterTls? Tls { get; init; }

    /// <summary>What the user asked for, for messages (the store's password left out).</summary>
    public string Describe() => Store is null ? string.Join(", ", Gateways) : $"the gateways listed in {RedactPassword(Store)}";

    /// <summary>
    /// Parses a <c>--cluster</c> value: a comma list of <c>host:port</c>, or a <c>redis://</c>
    /// address. Returns the problems found (every one).
    /// </summary>
    public static (IReadOnlyList<string> Gateways, string? Store, List<string> Problems) ParseAddress(string value)
    {
        var problems = new List<string>();
        if (value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
        {
            return ([], value, problems);
        }
        var gateways = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (gateways.Length == 0)
        {
            problems.Add("--cluster: expected HOST:PORT[,HOST:PORT...], got an empty value");
        }
        foreach (var gateway in gateways)
        {
            var colon = gateway.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535)
            {
                problems.Add($"--cluster: '{gateway}' is not HOST:PORT (a port in 1..65535)");
            }
        }
        return (gateways, null, problems);
    }

    private static string RedactPassword(string store) =>
        Uri.TryCreate(store, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? store.Replace(uri.UserInfo + "@", ":***@", StringComparison.Ordinal) : store;
}
