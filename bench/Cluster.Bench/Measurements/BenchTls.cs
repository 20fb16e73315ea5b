using U2PL.Grains.DataPlane;
using U2PL.Grains.Hosting;
using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// Certificates for the data-plane benchmark's <c>--tls</c> runs, from the run's throw-away CA: the benchmark process
/// (the sender) holds one, each sink process another, both signed by the same CA, as silos are.
/// </summary>
internal sealed class BenchTls(TestCertificates authority)
{
    private readonly (string Certificate, string Key, string Ca) _sink = authority.Issue("bench-sink");

    public DataPlaneTls Client { get; } = Load(authority.Issue("bench-sender"));

    /// <summary>What a sink process takes on its command line: <c>tls CERT KEY CA</c>.</summary>
    public string SinkArguments => $"tls \"{_sink.Certificate}\" \"{_sink.Key}\" \"{_sink.Ca}\"";

    /// <summary>The sink side's settings from <c>tls CERT KEY CA</c> (null without them).</summary>
    public static DataPlaneTls? FromArguments(string[] arguments) =>
        arguments is [.., "tls", var certificate, var key, var ca] ? Load((certificate, key, ca)) : null;

    private static DataPlaneTls Load((string Certificate, string Key, string Ca) files) => new(new ClusterTls(files.Certificate, files.Key, files.Ca));
}
