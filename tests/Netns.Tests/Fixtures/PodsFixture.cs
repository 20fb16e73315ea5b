using U2PL.Runtime.Tests.Fixtures;

namespace U2PL.Netns.Tests.Fixtures;

/// <summary>
/// Three pods and a PostgreSQL on the host side of their bridge, for the whole collection. Where namespaces cannot be
/// made (not root, no <c>ip netns</c>), nothing is created and every test skips with the reason.
/// </summary>
public sealed class PodsFixture : IAsyncLifetime
{
    public const int PodCount = 3;

    private PodNetwork? _network;
    private PostgresServer? _postgres;

    /// <summary>Why the tests cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    public PodNetwork Network => _network ?? throw new InvalidOperationException(SkipReason);

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException(SkipReason);

    /// <summary>The membership store as the silos in the pods reach it.</summary>
    public string ClusterUri => $"postgres://postgres@{Network.HostAddress}:{Postgres.Port}/postgres";

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
        SkipReason = PodNetwork.Unavailable();
        if (SkipReason is not null)
        {
            Console.Error.WriteLine($"Netns.Tests: skipping every test: {SkipReason}");
            return;
        }
        _network = PodNetwork.Create(PodCount);
        _postgres = new PostgresServer { ListenAddresses = $"127.0.0.1,{_network.HostAddress}", TrustedNetwork = _network.Cidr };
        await _postgres.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_network is not null) await _network.DisposeAsync();
    }
}

/// <summary>The tests that share the pods (they run one after the other).</summary>
[CollectionDefinition(Name)]
public sealed class PodsCollection : ICollectionFixture<PodsFixture>
{
    public const string Name = "pods";
}
