using U2PL.Runtime.Tests.Fixtures;

namespace U2PL.Runtime.Bench.Cluster;

/// <summary>
/// Starts the benchmark's silos: <see cref="SiloProcess"/> (the runtime tests' fixture, linked into this project) with
/// the benchmark's deadlines and the <c>--silo-env</c> variables. The grains they load are this assembly's.
/// </summary>
internal static class BenchSilos
{
    public const string Key = "u2pl-benchmark-cluster-key-0123456789";

    public static Task<SiloProcess> StartAsync(PostgresServer postgres, string clusterId, string role, double deathTimeoutSeconds, BenchSettings settings) =>
        SiloProcess.StartAsync(postgres.Uri, clusterId, Key, role, deathTimeoutSeconds: deathTimeoutSeconds, responseTimeoutSeconds: 60,
            environment: settings.SiloEnvironmentVariables(), readyTimeoutSeconds: 60);
}
