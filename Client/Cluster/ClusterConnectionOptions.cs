using System.CommandLine;
using U2PL.Grains.Hosting;

namespace U2PL.Client.Cluster;

/// <summary>
/// The options every cluster command takes: <c>--cluster</c> (environment fallback <c>U2PL_CLUSTER</c>),
/// <c>--cluster-id</c>, and the client's TLS identity <c>--tls-cert</c>, <c>--tls-key</c>, <c>--tls-ca</c>
/// (<c>U2PL_TLS_*</c>) for a cluster whose silos require mutual TLS.
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

    private readonly Option<string?> _tlsCertificate = new("--tls-cert") { Description = "This client's certificate, PEM (default $U2PL_TLS_CERT)" };
    private readonly Option<string?> _tlsKey = new("--tls-key") { Description = "Its private key, PEM (default $U2PL_TLS_KEY)" };
    private readonly Option<string?> _tlsCa = new("--tls-ca") { Description = "The cluster's CA, PEM (default $U2PL_TLS_CA)" };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Add(_cluster);
        command.Add(_clusterId);
        command.Add(_tlsCertificate);
        command.Add(_tlsKey);
        command.Add(_tlsCa);
    }

    /// <summary>The endpoint the options and environment describe; every problem in one <see cref="ArgumentException"/>.</summary>
    public ClusterEndpoint Resolve(ParseResult parse, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var address = parse.GetValue(_cluster) is { Length: > 0 } given ? given : environment(AddressVariable) is { Length: > 0 } fromEnv ? fromEnv : ClusterEndpoint.DefaultGateway;
        var (gateways, store, problems) = ClusterEndpoint.ParseAddress(address);
        ClusterTls? tls = null;
        try
        {
            tls = ClusterTls.From(parse.GetValue(_tlsCertificate), parse.GetValue(_tlsKey), parse.GetValue(_tlsCa), environment);
            tls?.Load();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("\nerror: ", problems));
        }
        return new ClusterEndpoint { Gateways = gateways, Store = store, ClusterId = parse.GetValue(_clusterId) ?? "u2pl", Tls = tls };
    }
}
