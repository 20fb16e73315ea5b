using U2PL.Cluster.Bench.Cluster;
using U2PL.Cluster.Bench.Grains;
using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// Two silo processes on loopback with Redis membership: silo A (role gpu, one GPU slot) hosts the driver grain, silo B
/// (role state) the echo grains, so every measured call crosses the silo-to-silo connection. The benchmark's client
/// talks to A's gateway only.
/// </summary>
internal sealed class TwoSiloCluster : IAsyncDisposable
{
    private readonly ClusterClientHost _client;

    private TwoSiloCluster(SiloProcess a, SiloProcess b, ClusterClientHost client)
    {
        A = a;
        B = b;
        _client = client;
    }

    public SiloProcess A { get; }

    public SiloProcess B { get; }

    public IClusterClient Client => _client.Client;

    public IBenchDriverGrain Driver => Client.GetGrain<IBenchDriverGrain>("driver");

    public static async Task<TwoSiloCluster> StartAsync(RedisServer redis, BenchSettings settings, TestCertificates? tls)
    {
        var clusterId = $"b{Guid.NewGuid():N}"[..12];
        var silos = await Task.WhenAll(
            BenchSilos.StartAsync(redis, clusterId, "gpu", 10, settings, tls, gpuSlots: 1),
            BenchSilos.StartAsync(redis, clusterId, "state", 10, settings, tls));
        var client = await ClusterClientHost.ConnectToGatewayAsync(silos[0].GatewayPort, clusterId, TimeSpan.FromMinutes(10), tls);
        var cluster = new TwoSiloCluster(silos[0], silos[1], client);
        var driverSilo = await cluster.Driver.GetSilo();
        var echoSilo = await cluster.Client.GetGrain<IEchoGrain>("where").GetSilo();
        if (!cluster.A.Hosts(driverSilo) || !cluster.B.Hosts(echoSilo))
            throw new InvalidOperationException($"Placement is not as planned: driver on {driverSilo}, echo on {echoSilo}.");
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
