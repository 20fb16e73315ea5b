using U2PL.Runtime.Bench.Cluster;
using U2PL.Runtime.Bench.Grains;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Tests.Fixtures;

namespace U2PL.Runtime.Bench.Measurements;

/// <summary>
/// Two silos on loopback with PostgreSQL membership: silo A (role gpu) hosts the driver grain, silo B (role state)
/// the echo grains, so every measured call crosses the silo-to-silo connection. The benchmark's client talks to A.
/// </summary>
internal sealed class TwoSiloCluster : IAsyncDisposable
{
    private TwoSiloCluster(SiloProcess a, SiloProcess b, ClusterClient client)
    {
        A = a;
        B = b;
        Client = client;
    }

    public SiloProcess A { get; }

    public SiloProcess B { get; }

    public ClusterClient Client { get; }

    public IBenchDriverGrain Driver => Client.GetGrain<IBenchDriverGrain>("driver");

    public static async Task<TwoSiloCluster> StartAsync(PostgresServer postgres, BenchSettings settings)
    {
        var clusterId = $"b{Guid.NewGuid():N}"[..12];
        var silos = await Task.WhenAll(
            BenchSilos.StartAsync(postgres, clusterId, "gpu", 10, settings),
            BenchSilos.StartAsync(postgres, clusterId, "state", 10, settings));
        var client = new ClusterClient(new ClientOptions { Gateways = [silos[0].Gateway] }, new ClusterOptions { ClusterId = clusterId, ClusterKey = BenchSilos.Key },
            new MessagingOptions { ResponseTimeout = TimeSpan.FromMinutes(5) });
        await client.ConnectAsync();
        var cluster = new TwoSiloCluster(silos[0], silos[1], client);
        var driverSilo = await cluster.Driver.GetSilo();
        var echoSilo = await client.GetGrain<IEchoGrain>("where").GetSilo();
        if (!cluster.A.Hosts(driverSilo) || !cluster.B.Hosts(echoSilo))
            throw new InvalidOperationException($"Placement is not as planned: driver on {driverSilo}, echo on {echoSilo}.");
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
