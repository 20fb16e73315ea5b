using U2PL.Tests.Cluster;

namespace U2PL.Netns.Tests.Fixtures;

/// <summary>
/// Three pods and a Redis (the cluster's membership, grain directory and grain state) on the host side of their
/// bridge, for the whole collection. Where namespaces cannot be made (not root, no <c>ip netns</c>), nothing is
/// created and every test skips with the reason.
/// </summary>
public sealed class PodsFixture : IAsyncLifetime
{
    public const int PodCount = 3;

    private PodNetwork? _network;
    private RedisServer? _redis;

    /// <summary>Why the tests cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    public PodNetwork Network => _network ?? throw new InvalidOperationException(SkipReason);

    public RedisServer Redis => _redis ?? throw new InvalidOperationException(SkipReason);

    /// <summary>The cluster's Redis as the silos in the pods reach it (the host's address on the bridge).</summary>
    public string ClusterUri => $"redis://{Network.HostAddress}:{Redis.Port}";

    /// <summary>Skips the calling test, with the reason, where namespaces are unavailable.</summary>
    public void SkipUnlessAvailable()
    {
        if (SkipReason is { } reason)
        {
            TestContext.Current.SendDiagnosticMessage($"Netns.Tests skipped: {reason}");
            Assert.Skip(reason);
        }
    }

    public async ValueTask InitializeAsync()
    {
        SkipReason = PodNetwork.Unavailable() ?? RedisUnavailable();
        if (SkipReason is not null)
        {
            Console.Error.WriteLine($"Netns.Tests: skipping every test: {SkipReason}");
            return;
        }
        _network = PodNetwork.Create(PodCount);
        // Loopback for the test's own client and directory reads, the bridge for the silos in the pods.
        _redis = new RedisServer { Bind = $"127.0.0.1 {_network.HostAddress}" };
        await _redis.InitializeAsync();
    }

    private static string? RedisUnavailable() =>
        File.Exists("/usr/bin/redis-server") ? null : "redis-server is not installed (/usr/bin/redis-server; run scripts/install-deps.sh)";

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        if (_network is not null) await _network.DisposeAsync();
    }
}

/// <summary>The tests that share the pods (they run one after the other).</summary>
[CollectionDefinition(Name)]
public sealed class PodsCollection : ICollectionFixture<PodsFixture>
{
    public const string Name = "pods";
}
