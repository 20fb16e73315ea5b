using U2PL.Runtime.Bench.Cluster;
using U2PL.Runtime.Bench.Grains;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;

namespace U2PL.Runtime.Bench.Measurements;

/// <summary>
/// Two silos on loopback with PostgreSQL membership: silo A (role gpu) hosts the driver grain, silo B (role state)
/// the echo grains, so every measured call crosses the silo-to-silo connection. The benchmark's client talks to A.
/// </summary>
internal sealed class TwoSiloCluster : IAsyncDisposable
{
    public const string Key = "u2pl-benchmark-cluster-key-0123456789";

    private TwoSiloCluster(BenchSilo a, BenchSilo b, ClusterClient client)
    {
        A = a;
        B = b;
        Client = client;
    }

    public BenchSilo A { get; }

    public BenchSilo B { get; }

    public ClusterClient Client { get; }

    public IBenchDriverGrain Driver => Client.GetGrain<IBenchDriverGrain>("driver");

    public static async Task<TwoSiloCluster> StartAsync(BenchPostgres postgres)
    {
        var clusterId = $"b{Guid.NewGuid():N}"[..12];
        var silos = await Task.WhenAll(
            BenchSilo.StartAsync(postgres.Uri, clusterId, Key, "gpu", 10),
            BenchSilo.StartAsync(postgres.Uri, clusterId, Key, "state", 10));
        var client = new ClusterClient(new ClientOptions { Gateways = [silos[0].Gateway] }, new ClusterOptions { ClusterId = clusterId, ClusterKey = Key },
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
