using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using U2PL.Runtime.Catalog;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Networking;
using U2PL.Runtime.Placement;
using U2PL.Runtime.Storage;

namespace U2PL.Runtime.Hosting;

/// <summary>
/// A silo: composes membership, catalog, directory, placement, router and connections for one process incarnation.
/// Started and stopped by <see cref="SiloHostedService"/>; Kestrel hands it the connections of its silo and gateway ports.
/// </summary>
public sealed class Silo : IAsyncDisposable
{
    private readonly SiloServices _services;
    private readonly MembershipService _membership;
    private readonly Catalog.Catalog _catalog;
    private readonly SiloMessageCenter _messageCenter;
    private readonly ConnectionManager _connections;
    private readonly GatewayClientRegistry _clients = new();
    private readonly SiloRuntimeClient _runtimeClient;
    private readonly ILogger _logger;
    private readonly byte[] _key;
    private readonly MessagingOptions _messaging;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly CancellationTokenSource _stopping = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Connection, byte> _inbound = new();
    private Task _collector = Task.CompletedTask;

    /// <summary>Creates the silo from its options and stores (resolved from DI by the hosting extensions).</summary>
    public Silo(IOptions<SiloOptions> siloOptions, IOptions<ClusterOptions> clusterOptions, IOptions<MessagingOptions> messagingOptions,
        IOptions<ClusterMembershipOptions> membershipOptions, IMembershipTable membershipTable, IGrainDirectory directory,
        IFencedGrainStorage storage, GrainTypeManifest manifest, RuntimeMetrics metrics, ILoggerFactory loggerFactory,
        IServiceProvider services, IHostApplicationLifetime? lifetime = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var options = siloOptions.Value;
        _messaging = messagingOptions.Value;
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger("U2PL.Runtime.Silo");
        _key = Encoding.UTF8.GetBytes(clusterOptions.Value.ClusterKey);
        var address = new SiloAddress(options.AdvertisedHost, options.SiloPort, time.GetUtcNow().ToUnixTimeMilliseconds());
        var interfaces = new GrainInterfaceRegistry();
        _runtimeClient = new SiloRuntimeClient(interfaces, metrics, _messaging.ResponseTimeout);
        _services = new SiloServices
        {
            Address = address,
            Options = options,
            Cluster = clusterOptions.Value,
            Messaging = _messaging,
            Membership = membershipOptions.Value,
            Directory = directory,
            Storage = storage,
            MembershipTable = membershipTable,
            Manifest = manifest,
            Metrics = metrics,
            LoggerFactory = loggerFactory,
            Services = services,
            Time = time,
            Bodies = _runtimeClient.Bodies,
            GrainFactory = _runtimeClient,
        };
        var self = new MembershipEntry
        {
            Silo = address,
            GatewayPort = options.GatewayPort,
            Roles = options.Roles.Any(r => r.Equals("all", StringComparison.OrdinalIgnoreCase)) ? ["all", "gpu", "state"] : [.. options.Roles],
            GpuSlots = options.GpuSlots,
            StartTime = time.GetUtcNow(),
        };
        MessageRouter? router = null;
        _messageCenter = new SiloMessageCenter((m, ct) => _catalog!.HandleRequestAsync(m, ct), () => router!, _clients,
            _messaging.ResponseTimeout, _logger, peer => _membership!.View.Entries.Any(e => e.Status == SiloStatus.Dead && e.Silo.ToString() == peer));
        _connections = new ConnectionManager(new ConnectionFactory(_messaging, _key, metrics, _logger), address, _messageCenter);
        _membership = new MembershipService(membershipTable, self, membershipOptions.Value, clusterOptions.Value.ClusterId, time,
            loggerFactory.CreateLogger("U2PL.Runtime.Membership"), _connections.ProbeAsync, OnDeclaredDead);
        _catalog = new Catalog.Catalog(_services, _membership, interfaces);
        var locator = new GrainLocator(directory, _membership, new PlacementService(manifest, () => _membership.View));
        router = new MessageRouter(address, locator, _connections, _messageCenter.DeliverLocalAsync, _messaging, _logger);
        _runtimeClient.Router = router;
    }

    /// <summary>This incarnation's address.</summary>
    public SiloAddress Address => _services.Address;

    /// <summary>Grain references from host code (location-transparent).</summary>
    public IGrainFactory GrainFactory => _runtimeClient;

    /// <summary>The status in the membership table.</summary>
    public SiloStatus Status => _membership.Status;

    /// <summary>Activations hosted now.</summary>
    public int ActivationCount => _catalog.Count;

    /// <summary>The membership view.</summary>
    public MembershipTableSnapshot MembershipView => _membership.View;

    /// <summary>Instruments.</summary>
    public RuntimeMetrics Metrics => _services.Metrics;

    /// <summary>
    /// Whether another silo declared this one dead (it was unreachable past the death timeout) and the silo stopped
    /// because of it: the host should exit non-zero so that a supervisor restarts it as a new incarnation.
    /// </summary>
    public bool WasDeclaredDead { get; private set; }

    /// <summary>Joins the cluster (the listeners must be up) and becomes active.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _membership.JoinAsync(cancellationToken).ConfigureAwait(false);
        await _membership.BecomeActiveAsync(cancellationToken).ConfigureAwait(false);
        _collector = Task.Run(CollectLoopAsync, CancellationToken.None);
        Log.SiloStarted(_logger, Address.ToString(), _services.Options.SiloPort, _services.Options.GatewayPort,
            string.Join(',', _services.Options.Roles), _services.Options.GpuSlots);
    }

    /// <summary>
    /// Graceful shutdown: status shutting-down (no new activations here), current turns finish, every grain runs its
    /// OnDeactivate hook and leaves the directory, then the silo leaves the membership table.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        Log.SiloStopping(_logger, Address.ToString(), _catalog.Count);
        _catalog.StopAcceptingNew();
        try
        {
            await _membership.BeginShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.MembershipOperationFailed(_logger, e);
        }
        await _catalog.DeactivateAllAsync(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "silo shutdown"))
            .WaitAsync(_services.Membership.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            await _membership.LeaveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.MembershipOperationFailed(_logger, e);
        }
        await _collector.ConfigureAwait(false);
        await _connections.DisposeAsync().ConfigureAwait(false);
        foreach (var inbound in _inbound.Keys) inbound.Close(); // Kestrel waits for its handlers: end them
        Log.SiloStopped(_logger, Address.ToString());
    }

    /// <summary>Authenticates and serves one inbound connection (called by the Kestrel connection handlers).</summary>
    internal async Task AcceptAsync(ConnectionContext context, PeerKind expected)
    {
        var remote = context.RemoteEndPoint?.ToString() ?? "?";
        PeerKind kind;
        string id;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.ConnectionClosed);
            timeout.CancelAfter(_messaging.HandshakeTimeout);
            try
            {
                (kind, id) = await ConnectionHandshake.AcceptAsync(context.Transport, _key, Address.ToString(), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new ProtocolViolationException(RejectReason.HandshakeTimeout, "no authentication in time");
            }
            if (kind != expected) throw new ProtocolViolationException(RejectReason.Unauthenticated, $"a {kind} on the {expected} port");
        }
        catch (ProtocolViolationException e)
        {
            _services.Metrics.Rejection(e.Reason);
            Log.ConnectionRejected(_logger, remote, e.Reason, e.Message);
            return;
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ObjectDisposedException or InvalidOperationException)
        {
            return;
        }
        var connection = new Connection(context.Transport, remote, kind, id, _messaging, _services.Metrics, _logger, context.Abort);
        Log.ConnectionAuthenticated(_logger, remote, kind, id);
        _inbound[connection] = 0;
        try
        {
            if (_stopping.IsCancellationRequested) return;
            if (kind == PeerKind.Client) await RegisterClientAsync(connection).ConfigureAwait(false);
            await connection.RunAsync(_messageCenter).ConfigureAwait(false);
        }
        finally
        {
            _inbound.TryRemove(connection, out _);
        }
    }

    private async Task RegisterClientAsync(Connection connection)
    {
        _clients.Add(connection);
        var route = new GrainId(GrainLocator.ClientGrainType, connection.PeerId);
        try
        {
            var current = await _services.Directory.LookupAsync(route, CancellationToken.None).ConfigureAwait(false);
            await _services.Directory.RegisterAsync(route, Address, current?.Silo, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.MembershipOperationFailed(_logger, e);
        }
    }

    private void OnDeclaredDead()
    {
        WasDeclaredDead = true;
        _lifetime?.StopApplication();
    }

    private async Task CollectLoopAsync()
    {
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, _services.Membership.CollectionAge.Ticks / 4));
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _stopping.Token).ConfigureAwait(false);
                await _catalog.CollectIdleAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _membership.DisposeAsync().ConfigureAwait(false);
        await _connections.DisposeAsync().ConfigureAwait(false);
    }
}
