using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Bench.Cluster;

/// <summary>
/// Starts the benchmark's silos: <see cref="SiloProcess"/> (the cluster tests' fixture, linked into this project)
/// running this executable in <c>silo</c> mode, so that the silos host the benchmark grains, with the benchmark's
/// deadlines, the <c>--silo-env</c> variables and, with <c>--tls</c>, certificates from the run's own CA.
/// </summary>
internal static class BenchSilos
{
    public static Task<SiloProcess> StartAsync(RedisServer redis, string clusterId, string role, double deathTimeoutSeconds,
        BenchSettings settings, TestCertificates? tls, int gpuSlots = 0) =>
        SiloProcess.StartAsync(redis.Uri, clusterId, role, gpuSlots: gpuSlots, deathTimeoutSeconds: deathTimeoutSeconds,
            responseTimeoutSeconds: 60, environment: settings.SiloEnvironmentVariables(), readyTimeoutSeconds: 180, tls: tls,
            host: $"\"{typeof(BenchSilos).Assembly.Location}\" silo");
}
