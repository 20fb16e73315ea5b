using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Networking;

namespace U2PL.Runtime.Messaging;

/// <summary>
/// Handles requests arriving on a silo's connections. From silos: calls to grains hosted here (the catalog) and observer
/// calls for clients connected here. From clients (the gateway): routed like a local call, and answered back.
/// Cancels from callers cancel the matching call's token. Nothing a peer sends escapes as an exception.
/// </summary>
internal sealed class SiloMessageCenter : IConnectionMessageHandler
{
    private readonly Func<Message, CancellationToken, Task<Message>> _catalog;
    private readonly Func<MessageRouter> _router;
    private readonly GatewayClientRegistry _clients;
    private readonly ILogger _logger;
    private readonly TimeSpan _defaultTimeout;
    private readonly ConcurrentDictionary<(Connection, long), CancellationTokenSource> _inbound = new();
    private readonly Func<string, bool> _isDeadSilo;

    /// <param name="isDeadSilo">Whether a silo (by its address with generation) is declared dead in this silo's view:
    /// its requests are refused (Orleans does the same), so a silo cut off and declared dead cannot act on grains that
    /// were re-activated elsewhere while it finishes its own shutdown.</param>
    public SiloMessageCenter(Func<Message, CancellationToken, Task<Message>> catalog, Func<MessageRouter> router,
        GatewayClientRegistry clients, TimeSpan defaultTimeout, ILogger logger, Func<string, bool>? isDeadSilo = null)
    {
        _isDeadSilo = isDeadSilo ?? (_ => false);
        _catalog = catalog;
        _router = router;
        _clients = clients;
        _defaultTimeout = defaultTimeout;
        _logger = logger;
    }

    public void OnMessage(Connection connection, Message message)
    {
        switch (message.Direction)
        {
            case MessageDirection.Request:
                _ = Task.Run(() => HandleRequestAsync(connection, message));
                break;
            case MessageDirection.Cancel:
                if (_inbound.TryGetValue((connection, message.Id), out var cts)) cts.Cancel();
                break;
        }
    }

    public void OnClosed(Connection connection)
    {
        if (connection.PeerKind == PeerKind.Client) _clients.Remove(connection);
        foreach (var key in _inbound.Keys.Where(k => k.Item1 == connection))
        {
            if (_inbound.TryRemove(key, out var cts)) cts.Cancel();
        }
    }

    /// <summary>Delivers a request addressed to this silo: a hosted grain, or an observer of a client connected here.</summary>
    public async Task<Message> DeliverLocalAsync(Message request, CancellationToken cancellationToken)
    {
        if (request.Target.Type != GrainLocator.ObserverGrainType) return await _catalog(request, cancellationToken).ConfigureAwait(false);
        var client = _clients.Find(GrainLocator.ClientRouteOf(request.Target).Key);
        if (client is null) return Message.ResponseTo(request, ResponseStatus.NotHere);
        var ttl = request.TimeToLiveMs > 0 ? TimeSpan.FromMilliseconds(request.TimeToLiveMs) : _defaultTimeout;
        try
        {
            return await client.SendRequestAsync(MessageBodies.Forward(request), ttl, cancellationToken).ConfigureAwait(false);
        }
        catch (SiloUnavailableException)
        {
            return Message.ResponseTo(request, ResponseStatus.NotHere);
        }
    }

    private async Task HandleRequestAsync(Connection connection, Message request)
    {
        if (connection.PeerKind == PeerKind.Silo && _isDeadSilo(connection.PeerId))
        {
            _logger.LogWarning("refused {Request} from {Peer}: that silo was declared dead", request.ToString(), connection.PeerId);
            connection.Close(new SiloUnavailableException($"{connection.PeerId} was declared dead"));
            return;
        }
        var ttl = request.TimeToLiveMs > 0 ? TimeSpan.FromMilliseconds(request.TimeToLiveMs) : _defaultTimeout;
        using var cts = new CancellationTokenSource(ttl);
        _inbound[(connection, request.Id)] = cts;
        Message response;
        try
        {
            response = connection.PeerKind == PeerKind.Client
                ? await _router().RouteAsync(request, ttl, cts.Token).ConfigureAwait(false)
                : await DeliverLocalAsync(request, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            response = Message.ResponseTo(request, cts.IsCancellationRequested ? ResponseStatus.Cancelled : ResponseStatus.DeadlineExceeded);
        }
        catch (TimeoutException)
        {
            response = Message.ResponseTo(request, ResponseStatus.DeadlineExceeded);
        }
        catch (Exception e)
        {
            if (e is not SiloUnavailableException) Log.MessageHandlingFailed(_logger, request.ToString(), connection.Remote, e);
            response = Message.ResponseTo(request, ResponseStatus.Exception);
            response.OutgoingBody = BodySerializer.WriteException(e);
        }
        finally
        {
            _inbound.TryRemove((connection, request.Id), out _);
        }
        response.Id = request.Id;
        response.Direction = MessageDirection.Response;
        try
        {
            await connection.SendAsync(response, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // the caller is gone; it will retry elsewhere
        }
    }
}
