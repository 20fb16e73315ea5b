using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Networking;

namespace U2PL.Runtime.Client;

/// <summary>
/// A cluster client: connects to one gateway (from a static list or the membership table's active gateways), sends
/// calls through it, fails over to another gateway when it goes away (retries with backoff and jitter via Polly),
/// and hosts observers that grains call back through the gateway.
/// </summary>
public sealed class ClusterClient : RuntimeClientBase, IConnectionMessageHandler, IAsyncDisposable
{
    private readonly ClientOptions _options;
    private readonly MessagingOptions _messaging;
    private readonly IMembershipTable? _table;
    private readonly ConnectionFactory _factory;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly ConcurrentDictionary<string, (object Target, GrainInterfaceDescriptor Interface)> _observers = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private Connection? _gateway;

    /// <summary>Creates a client; call <see cref="ConnectAsync"/> before use.</summary>
    public ClusterClient(ClientOptions options, ClusterOptions cluster, MessagingOptions? messaging = null, IMembershipTable? membershipTable = null,
        ILoggerFactory? loggerFactory = null, RuntimeMetrics? metrics = null)
        : base(new GrainInterfaceRegistry(), metrics ?? new RuntimeMetrics(), (messaging ?? new MessagingOptions()).ResponseTimeout)
    {
        var problems = new ClusterOptionsValidator().Validate(null, cluster);
        if (problems.Failed) throw new Microsoft.Extensions.Options.OptionsValidationException(nameof(ClusterOptions), typeof(ClusterOptions), problems.Failures);
        if (options.Gateways.Count == 0 && membershipTable is null)
            throw new ArgumentException("Give gateways or a membership table to discover them.", nameof(options));
        _options = options;
        _messaging = messaging ?? new MessagingOptions();
        _table = membershipTable;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("U2PL.Runtime.Client");
        _factory = new ConnectionFactory(_messaging, Encoding.UTF8.GetBytes(cluster.ClusterKey), Metrics, _logger);
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SiloUnavailableException>(),
                MaxRetryAttempts = Math.Max(1, _messaging.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _messaging.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(2),
            })
            .Build();
    }

    /// <summary>The client id (observer references carry it).</summary>
    public string ClientId => _options.ClientId;

    /// <summary>The gateway currently used, if connected.</summary>
    public string? CurrentGateway => _gateway is { IsClosed: false } g ? g.PeerId : null;

    /// <summary>Connects to a gateway.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default) =>
        await _pipeline.ExecuteAsync(async ct => await GetGatewayAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task<Message> SendRequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await _pipeline.ExecuteAsync(async ct =>
            {
                var gateway = await GetGatewayAsync(ct).ConfigureAwait(false);
                var remaining = timeout - (DateTimeOffset.UtcNow - started);
                if (remaining <= TimeSpan.Zero) throw new TimeoutException($"{request.Target} did not answer within {timeout}.");
                return await gateway.SendRequestAsync(MessageBodies.Forward(request), remaining, cancellationToken).ConfigureAwait(false);
            }, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Target} did not answer within {timeout}.");
        }
    }

    private async Task<Connection> GetGatewayAsync(CancellationToken cancellationToken)
    {
        if (_gateway is { IsClosed: false } current) return current;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_gateway is { IsClosed: false } again) return again;
            var gateways = await DiscoverGatewaysAsync(cancellationToken).ConfigureAwait(false);
            if (gateways.Count == 0) throw new SiloUnavailableException("No gateway is active.");
            Exception? last = null;
            foreach (var endpoint in gateways.OrderBy(_ => Random.Shared.Next()))
            {
                try
                {
                    var ip = await ResolveAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    _gateway = await _factory.ConnectAsync(ip, PeerKind.Client, _options.ClientId, null, this, cancellationToken).ConfigureAwait(false);
                    Log.ClientConnected(_logger, _options.ClientId, endpoint);
                    return _gateway;
                }
                catch (SiloUnavailableException e)
                {
                    Log.ClientConnectFailed(_logger, _options.ClientId, endpoint, e);
                    last = e;
                }
            }
            throw new SiloUnavailableException("No gateway could be reached.", last);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<IReadOnlyList<string>> DiscoverGatewaysAsync(CancellationToken cancellationToken)
    {
        if (_options.Gateways.Count > 0 && _table is null) return _options.Gateways;
        var snapshot = await _table!.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        return [.. snapshot.Active.Where(e => e.GatewayPort > 0).Select(e => $"{e.Silo.Host}:{e.GatewayPort}")];
    }

    private static async Task<EndPoint> ResolveAsync(string endpoint, CancellationToken cancellationToken)
    {
        var colon = endpoint.LastIndexOf(':');
        var host = endpoint[..colon];
        var port = int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (IPAddress.TryParse(host, out var ip)) return new IPEndPoint(ip, port);
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return new IPEndPoint(addresses.First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork), port);
    }

    /// <inheritdoc />
    public override TObserver CreateObjectReference<TObserver>(TObserver observer)
    {
        var id = Guid.NewGuid().ToString("N");
        var descriptor = Interfaces.Get(typeof(TObserver));
        _observers[id] = (observer, descriptor);
        return (TObserver)References.CreateReference(new GrainId(GrainLocator.ObserverGrainType, $"{_options.ClientId}/{id}"), typeof(TObserver));
    }

    /// <inheritdoc />
    public override void DeleteObjectReference<TObserver>(TObserver reference)
    {
        if (References.TryGetReference(reference, out var grainId, out _))
            _observers.TryRemove(grainId.Key[(grainId.Key.IndexOf('/') + 1)..], out _);
    }

    void IConnectionMessageHandler.OnMessage(Connection connection, Message message)
    {
        if (message.Direction == MessageDirection.Request) _ = Task.Run(() => DeliverToObserverAsync(connection, message));
    }

    void IConnectionMessageHandler.OnClosed(Connection connection)
    {
        if (_disposed.IsCancellationRequested || _observers.IsEmpty) return;
        // Observers must stay reachable: reconnect (to any gateway), which re-registers this client's route.
        _ = Task.Run(async () =>
        {
            try
            {
                await ConnectAsync(_disposed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SiloUnavailableException or OperationCanceledException)
            {
                // the next call will try again
            }
        });
    }

    private async Task DeliverToObserverAsync(Connection connection, Message request)
    {
        Message response;
        var key = request.Target.Key;
        if (!_observers.TryGetValue(key[(key.IndexOf('/') + 1)..], out var observer) || observer.Interface.Find(request.MethodId) is not { } method)
        {
            response = Message.ResponseTo(request, ResponseStatus.BadRequest);
            response.OutgoingBody = BodySerializer.WriteException(new GrainCallException($"No observer {request.Target}."));
        }
        else
        {
            try
            {
                var args = Bodies.ReadArguments(method, request.IncomingBody, _disposed.Token);
                var result = await method.Invoker(observer.Target, args).ConfigureAwait(false);
                response = Message.ResponseTo(request, ResponseStatus.Ok);
                response.OutgoingBody = Bodies.WriteResult(method, result);
            }
            catch (Exception e)
            {
                response = Message.ResponseTo(request, ResponseStatus.Exception);
                response.OutgoingBody = BodySerializer.WriteException(e);
            }
        }
        try
        {
            await connection.SendAsync(response, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // gateway gone
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        if (_gateway is { } gateway) await gateway.DisposeAsync().ConfigureAwait(false);
    }
}
