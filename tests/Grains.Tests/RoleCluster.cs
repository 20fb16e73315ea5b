using Orleans.Configuration;
using Orleans.TestingHost;
using U2PL.Grains.Hosting;
using U2PL.Grains.Placement;
using U2PL.Synthetic;

namespace U2PL.Grains.Tests;

/// <summary>
/// Three in-process silos with U2PL's placement: silo 0 state (no GPU), silo 1 gpu with 2 slots, silo 2 gpu with 1
/// slot that hosts parameter-server shards too; a small message size limit so that the limit can be hit cheaply.
/// </summary>
public sealed class RoleCluster : IAsyncLifetime
{
    public const int MessageLimit = 1 << 20;

    public static readonly (string[] Roles, int Slots)[] Silos = [(["state"], 0), (["gpu"], 2), (["gpu", "shard"], 1)];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _indexByPort = new();
    private int _configured;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder((short)Silos.Length);
        builder.ConfigureSilo((options, silo) =>
        {
            var index = _indexByPort.GetOrAdd(options.SiloPort, _ => Interlocked.Increment(ref _configured) - 1);
            var (roles, slots) = Silos[index];
            silo.AddU2plPlacement(roles, slots);
            silo.Services.AddDatasetTypes().AddSyntheticScenes(); // as u2pl-silo: the runs here train on synthetic scenes
            silo.AddOutgoingGrainCallFilter<PayloadLimitFilter<SiloMessagingOptions>>();
            silo.Configure<SiloMessagingOptions>(o => o.MaxMessageBodySize = MessageLimit);
        });
        builder.ConfigureClient(client =>
        {
            client.AddOutgoingGrainCallFilter<PayloadLimitFilter<ClientMessagingOptions>>();
            client.Configure<ClientMessagingOptions>(o => o.MaxMessageBodySize = MessageLimit);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>The roles and slots a silo address belongs to.</summary>
    public (string[] Roles, int Slots) Of(string siloAddress)
    {
        var silo = Cluster.Silos.FirstOrDefault(s => s.SiloAddress.ToString() == siloAddress)
            ?? throw new InvalidOperationException($"unknown silo {siloAddress}");
        return Silos[_indexByPort[silo.SiloAddress.Endpoint.Port]];
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
