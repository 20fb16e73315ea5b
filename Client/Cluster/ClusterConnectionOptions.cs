using System.CommandLine;

namespace U2PL.Client.Cluster;

/// <summary>
/// The options every cluster command takes: <c>--cluster</c> (environment fallback <c>U2PL_CLUSTER</c>) and
/// <c>--cluster-id</c>.
/// </summary>
public sealed class ClusterConnectionOptions
{
    public const string AddressVariable = "U2PL_CLUSTER";

    private readonly Option<string?> _cluster = new("--cluster")
    {
        Description = $"Gateways HOST:PORT[,HOST:PORT...] or the cluster's redis://host:port (default ${AddressVariable} or {ClusterEndpoint.DefaultGateway})",
    };

    private readonly Option<string> _clusterId = new("--cluster-id")
    {
        Description = "Cluster id the silos were started with",
        DefaultValueFactory = _ => "u2pl",
    };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Add(_cluster);
        command.Add(_clusterId);
    }

    /// <summary>The endpoint the options and environment describe; every problem in one <see cref="ArgumentException"/>.</summary>
    public ClusterEndpoint Resolve(ParseResult parse, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var address = parse.GetValue(_cluster) is { Length: > 0 } given ? given : environment(AddressVariable) is { Length: > 0 } fromEnv ? fromEnv : ClusterEndpoint.DefaultGateway;
        var (gateways, store, problems) = ClusterEndpoint.ParseAddress(address);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("\nerror: ", problems));
        }
        return new ClusterEndpoint { Gateways = gateways, Store = store, ClusterId = parse.GetValue(_clusterId) ?? "u2pl" };
    }
}
