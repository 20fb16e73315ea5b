using System.Diagnostics;
using System.Net.Sockets;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Storage;
using U2PL.Runtime.Tests.Fixtures;
using U2PL.Runtime.Tests.TestGrains;

namespace U2PL.Runtime.Tests.Cluster;

/// <summary>
/// Real <c>u2pl-silo</c> processes on loopback with PostgreSQL membership: routing to single activations, SIGKILL
/// failover with fencing, graceful hand-off, new incarnations, refused connections, large payloads.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MultiProcessClusterTests(PostgresServer postgres) : IAsyncDisposable
{
    private const string Key = "multi-process-test-key-0123456789";
    private readonly string _clusterId = $"t{Guid.NewGuid():N}"[..12];
    private readonly List<SiloProcess> _silos = [];
    private readonly List<ClusterClient> _clients = [];

    private PostgresClusterStore Store => new(postgres.ConnectionString, _clusterId);

    private async Task<SiloProcess> StartSiloAsync(string role = "all", int? port = null)
    {
        var silo = await SiloProcess.StartAsync(postgres.Uri, _clusterId, Key, role, port: port);
        _silos.Add(silo);
        return silo;
    }

    private async Task<ClusterClient> ClientAsync(params string[] gateways)
    {
        var client = new ClusterClient(new ClientOptions { Gateways = [.. gateways] }, new ClusterOptions { ClusterKey = Key, ClusterId = _clusterId },
            new MessagingOptions { ResponseTimeout = TimeSpan.FromSeconds(20) }, gateways.Length == 0 ? Store : null);
        await client.ConnectAsync();
        _clients.Add(client);
        return client;
    }

    [Fact]
    public async Task Single_activation_from_every_gateway_then_SIGKILL_failover_reactivates_elsewhere_with_a_newer_epoch()
    {
        var silos = await Task.WhenAll(StartSiloAsync(), StartSiloAsync(), StartSiloAsync());
        _silos.Clear();
        _silos.AddRange(silos);
        var clients = new List<ClusterClient>();
        foreach (var silo in silos) clients.Add(await ClientAsync(silo.Gateway));

        var first = clients[0].GetGrain<ICounterGrain>("k");
        await first.Add(5);
        await first.Persist();
        var holders = await Task.WhenAll(clients.Select(c => c.GetGrain<ICounterGrain>("k").GetSilo()));
        Assert.Single(holders.Distinct());
        foreach (var c in clients) Assert.Equal(5, await c.GetGrain<ICounterGrain>("k").Get());
        var oldEpoch = await first.GetEpoch();

        var victim = silos.Single(s => holders[0].Contains($":{s.Port}@", StringComparison.Ordinal));
        var survivorClient = clients[silos.ToList().IndexOf(silos.First(s => s != victim))];
        var watch = Stopwatch.StartNew();
        victim.Kill();
        var grain = survivorClient.GetGrain<ICounterGrain>("k");
        var newHolder = await grain.GetSilo(); // retried until the dead silo is declared dead, then reactivated
        watch.Stop();
        Assert.NotEqual(holders[0], newHolder);
        Assert.Equal(5, await grain.Get()); // restored from the persisted state
        var newEpoch = await grain.GetEpoch();
        Assert.True(newEpoch > oldEpoch);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"failover took {watch.Elapsed}");

        // The old activation's epoch is stale: its writes are refused by the store.
        await using var store = Store;
        await Assert.ThrowsAsync<StaleActivationException>(() =>
            store.WriteAsync(new GrainId(typeof(ICounterGrain).FullName!, "k"), oldEpoch, new byte[] { 1 }, CancellationToken.None));
        await grain.Persist(); // the current one writes fine

        // Every silo converges on the same view: the victim is dead, declared once.
        var snapshot = await Eventually.Until(() => store.ReadAllAsync(CancellationToken.None),
            s => s.Entries.Count(e => e.Status == SiloStatus.Dead) == 1 && s.Active.Count() == 2, TimeSpan.FromSeconds(10), "victim dead");
        Assert.Equal($"127.0.0.1:{victim.Port}", snapshot.Entries.Single(e => e.Status == SiloStatus.Dead).Silo.Endpoint);
    }

    [Fact]
    public async Task Graceful_SIGTERM_hands_state_off_and_exits_zero()
    {
        var a = await StartSiloAsync("state");
        var b = await StartSiloAsync("state");
        var client = await ClientAsync();
        var grain = client.GetGrain<IStateGrain>("ps-0");
        await grain.Set(42);
        var holder = await grain.GetSilo();
        var (leaving, staying) = holder.Contains($":{a.Port}@", StringComparison.Ordinal) ? (a, b) : (b, a);

        Assert.Equal(0, await leaving.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(42, await grain.Get()); // OnDeactivate wrote it; the new activation read it
        Assert.Contains($":{staying.Port}@", await grain.GetSilo(), StringComparison.Ordinal);
        await using var store = Store;
        var entries = (await store.ReadAllAsync(CancellationToken.None)).Entries;
        Assert.Equal(SiloStatus.Dead, entries.Single(e => e.Silo.Port == leaving.Port).Status);
        Assert.Equal("", entries.Single(e => e.Silo.Port == leaving.Port).DeclaredDeadBy); // left, not declared dead
    }

    [Fact]
    public async Task A_frozen_silo_declared_dead_exits_non_zero_when_it_resumes()
    {
        var survivor = await StartSiloAsync();
        var frozen = await StartSiloAsync();
        await frozen.SignalAsync("STOP"); // unreachable: no heartbeats, probes time out
        try
        {
            await using var store = Store;
            await Eventually.Until(() => store.ReadAllAsync(CancellationToken.None),
                s => s.Entries.Any(e => e.Silo.Port == frozen.Port && e.Status == SiloStatus.Dead), TimeSpan.FromSeconds(20), "frozen silo declared dead");
        }
        finally
        {
            await frozen.SignalAsync("CONT");
        }
        var exitCode = await frozen.WaitForExitAsync(TimeSpan.FromSeconds(30)); // it reads the table, finds itself dead, stops
        Assert.True(exitCode == 3, $"exit code {exitCode}:\n{frozen.Output}");
        Assert.False(survivor.HasExited);
        var client = await ClientAsync(survivor.Gateway);
        Assert.Equal(1, await client.GetGrain<ICounterGrain>("after-freeze").Add(1));
    }

    [Fact]
    public async Task A_silo_restarted_on_the_same_address_is_a_new_incarnation()
    {
        await StartSiloAsync();
        var port = FreePorts.Next();
        var restarted = await StartSiloAsync(port: port);
        restarted.Kill();
        var again = await StartSiloAsync(port: port);
        await using var store = Store;
        var snapshot = await Eventually.Until(() => store.ReadAllAsync(CancellationToken.None),
            s => s.Entries.Count(e => e.Silo.Port == port) == 2 && s.Entries.Any(e => e.Silo.Port == port && e.Status == SiloStatus.Dead),
            TimeSpan.FromSeconds(15), "old incarnation declared dead");
        var incarnations = snapshot.Entries.Where(e => e.Silo.Port == port).OrderBy(e => e.Silo.Generation).ToList();
        Assert.Equal(SiloStatus.Dead, incarnations[0].Status);
        Assert.Equal(SiloStatus.Active, incarnations[1].Status);
        var client = await ClientAsync(again.Gateway);
        Assert.Equal(1, await client.GetGrain<ICounterGrain>("after-restart").Add(1));
    }

    [Fact]
    public async Task Garbage_unauthenticated_oversized_and_unknown_version_connections_are_refused_while_serving()
    {
        var silo = await StartSiloAsync();
        var client = await ClientAsync(silo.Gateway);
        var counter = client.GetGrain<ICounterGrain>("serving");
        await counter.Add(1);

        await SendRawAsync(silo.GatewayPort, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());                    // garbage
        await SendRawAsync(silo.Port, [0xB5, 0x01, 0x02, 0x00, 0xFF, 0xFF, 0xFF, 0x7F]);                         // oversized frame
        await SendRawAsync(silo.GatewayPort, [0xB5, 0x09, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 1, 2, 3, 4]);     // unknown version
        await SendRawAsync(silo.GatewayPort, [0xB5, 0x01, 0x02, 0x00, 0x41, 0x00, 0x00, 0x00, .. new byte[0x41]]); // bad HMAC
        await Assert.ThrowsAsync<Messaging.SiloUnavailableException>(async () =>
        {
            await using var intruder = new ClusterClient(new ClientOptions { Gateways = [silo.Gateway] },
                new ClusterOptions { ClusterKey = "not-the-cluster-key-at-all", ClusterId = _clusterId }, new MessagingOptions { MaxRetries = 1 });
            await intruder.ConnectAsync();
        });

        var metrics = await Eventually.Until(silo.MetricsAsync,
            m => Count(m, "Malformed") >= 1 && Count(m, "Oversized") >= 1 && Count(m, "UnknownVersion") >= 1 && Count(m, "Unauthenticated") >= 2,
            TimeSpan.FromSeconds(10), "rejections counted");
        Assert.False(silo.HasExited);
        Assert.Equal(2, await counter.Add(1));
        Assert.Contains("u2pl_connections_rejected_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_100_MiB_float_payload_round_trips_intact()
    {
        var silo = await StartSiloAsync();
        var client = await ClientAsync(silo.Gateway);
        var data = new float[25 * 1024 * 1024];
        for (var i = 0; i < data.Length; i++) data[i] = i * 0.25f - 7;
        var echoed = await client.GetGrain<ICounterGrain>("tensor").Echo(data);
        Assert.True(data.AsSpan().SequenceEqual(echoed));
    }

    private static long Count(string metrics, string reason)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.Contains($"reason=\"{reason}\"", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task SendRawAsync(int port, byte[] bytes)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        var buffer = new byte[4096];
        await socket.ReceiveAsync(buffer); // the server's hello
        await socket.SendAsync(bytes);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (await socket.ReceiveAsync(buffer, cts.Token) > 0) { } // until the silo closes it
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // closed or reset
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        foreach (var silo in _silos) await silo.DisposeAsync();
    }
}
