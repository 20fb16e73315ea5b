using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using U2PL.Grains.Hosting;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// A silo's tensor data plane (issue 22): the server that lands pushes in the <see cref="Inbox"/> and serves fetches from
/// the <see cref="Outbox"/>, and one client connection per peer silo, shared by the grains of this silo. It listens from
/// the runtime-services stage of the silo's start (before any grain activates) to the same stage of its stop (after
/// every grain deactivated), with the silo's mutual TLS (plain TCP for an insecure silo). Grains find peers by
/// <see cref="Address"/>, which the parameter-server shards hand out in their pulls.
/// </summary>
public sealed partial class SiloDataPlane(IOptions<U2plSiloOptions> silo, ILocalSiloDetails local, ILogger<SiloDataPlane> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long a pushed body waits for its grain call (a sender that died between the two).</summary>
    public static readonly TimeSpan InboxKeep = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, DataPlaneClient> _clients = new();
    private readonly DataPlaneOptions _options = new() { Port = silo.Value.DataPlanePort, Nice = silo.Value.DataPlaneNice };
    private DataPlaneThreads? _threads;
    private DataPlaneTls? _tls;
    private DataPlaneServer? _server;

    public DataPlaneInbox Inbox { get; } = new(InboxKeep);

    public DataPlaneOutbox Outbox { get; } = new();

    /// <summary>Where peers reach this silo's data plane (<c>ip:port</c>); null until it listens.</summary>
    public string? Address { get; private set; }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloDataPlane), ServiceLifecycleStage.RuntimeServices, StartAsync, StopAsync);

    /// <summary>The connection to the data plane at <paramref name="address"/> (opened on first use, again after a failure).</summary>
    public DataPlaneClient Client(string address) =>
        _clients.GetOrAdd(address, a => new DataPlaneClient(IPEndPoint.Parse(a), _options, _tls, _threads));

    /// <summary>
    /// Drops the connection to <paramref name="address"/> after it was lost (a peer silo that died or moved): a dead
    /// peer's client is not kept for the life of the silo. The next <see cref="Client"/> for that address opens anew.
    /// </summary>
    public async ValueTask Forget(string address)
    {
        if (_clients.TryRemove(address, out var client)) await client.DisposeAsync();
    }

    private Task StartAsync(CancellationToken cancellation)
    {
        var options = silo.Value;
        _tls = options.Tls() is { } files ? new DataPlaneTls(files) : null;
        var listen = options.ListenAddress is "0.0.0.0" or "::" ? null : IPAddress.Parse(options.ListenAddress);
        _threads = new DataPlaneThreads(_options.Threads, _options.Nice);
        _server = DataPlaneServer.Start(_options, _tls, Inbox, Outbox, logger, listen, _threads);
        Address = new IPEndPoint(local.SiloAddress.Endpoint.Address, _server.EndPoint.Port).ToString();
        LogListening(Address, _tls is null ? "plain TCP" : "mutual TLS", _options.Threads, _options.Nice);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellation)
    {
        Address = null;
        foreach (var client in _clients.Values) await client.DisposeAsync();
        _clients.Clear();
        if (_server is { } server) await server.DisposeAsync();
        _server = null;
        _threads?.Dispose();
        Inbox.Dispose();
    }

    [LoggerMessage(EventId = 2210, Level = LogLevel.Information, Message = "tensor data plane at {Address} ({Security}; {Threads} threads of its own at nice +{Nice})")]
    private partial void LogListening(string address, string security, int threads, int nice);
}
