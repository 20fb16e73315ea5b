using System.CommandLine;

namespace U2PL.Client.Cluster;

/// <summary>
/// The options every cluster command takes: <c>--cluster</c>, <c>--cluster-key-file</c> and <c>--cluster-id</c>, with the
/// environment fallbacks <c>U2PL_CLUSTER</c> and <c>U2PL_CLUSTER_KEY</c>.
/// </summary>
public sealed class ClusterConnectionOptions
{
    public const string AddressVariable = "U2PL_CLUSTER";
    public const string KeyVariable = "U2PL_CLUSTER_KEY";

    private readonly Option<string?> _cluster = new("--cluster")
    {
        Description = $"Gateways HOST:PORT[,HOST:PORT...] or a postgres:// membership store (default ${AddressVariable} or {ClusterEndpoint.DefaultGateway})",
    };

    private readonly Option<FileInfo?> _keyFile = new("--cluster-key-file")
    {
        Description = $"File holding the cluster key (default ${KeyVariable})",
    };

    private readonly Option<string> _clusterId = new("--cluster-id")
    {
        Description = "Cluster id inside a shared membership store",
        DefaultValueFactory = _ => "u2pl",
    };

    /// <summary>Adds the three options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Add(_cluster);
        command.Add(_keyFile);
        command.Add(_clusterId);
    }

    /// <summary>The endpoint the options and environment describe; every problem in one <see cref="ArgumentException"/>.</summary>
    public ClusterEndpoint Resolve(ParseResult parse, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var problems = new List<string>();
        var address = parse.GetValue(_cluster) is { Length: > 0 } given ? given : environment(AddressVariable) is { Length: > 0 } fromEnv ? fromEnv : ClusterEndpoint.DefaultGateway;
        var (gateways, store, addressProblems) = ClusterEndpoint.ParseAddress(address);
        problems.AddRange(addressProblems);
        var key = "";
        if (parse.GetValue(_keyFile) is { } file)
        {
            try
            {
                key = File.ReadAllText(file.FullName).Trim();
                if (key.Length == 0) problems.Add($"--cluster-key-file: {file.FullName} is empty");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"--cluster-key-file: cannot read {file.FullName}: {e.Message}");
            }
        }
        else if (environment(KeyVariable) is { Length: > 0 } keyFromEnv)
        {
            key = keyFromEnv.Trim();
        }
        else
        {
            problems.Add($"no cluster key: set {KeyVariable} or pass --cluster-key-file PATH (the key the silos were started with)");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("\nerror: ", problems));
        }
        return new ClusterEndpoint { Gateways = gateways, Store = store, ClusterKey = key, ClusterId = parse.GetValue(_clusterId) ?? "u2pl" };
    }
}
