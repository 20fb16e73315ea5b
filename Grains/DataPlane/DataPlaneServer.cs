using U2PL.Contracts;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// The receiving end of the tensor data plane (issue 22): a TCP listener whose connections carry pushes into an
/// <see cref="ITensorSink"/> and fetches from an <see cref="ITensorSource"/>, over mutual TLS or, for --insecure clusters,
/// plain TCP. Hand-written on sockets and streams (no Kestrel/gRPC): bodies land straight in the consumer's memory.
/// Each connection handles its frames in order; connections run side by side.
/// </summary>
public sealed partial class DataPlaneServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly DataPlaneOptions _options;
    private readonly DataPlaneTls? _tls;
    private readonly ITensorSink _sink;
    private readonly ITensorSource? _source;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly DataPlaneThreads _threads;
    private readonly bool _ownsThreads;
    private readonly Task _accepting;

    private DataPlaneServer(Socket listener, DataPlaneOptions options, DataPlaneTls? tls, ITensorSink sink, ITensorSource? source, ILogger logger, DataPlaneThreads? threads)
    {
        _listener = listener;
        _options = options;
        _tls = tls;
        _sink = sink;
        _source = source;
        _logger = logger;
        _ownsThreads = threads is null;
        _threads = threads ?? new DataPlaneThreads(options.Threads, options.Nice);
        _accepting = _threads.Run(AcceptLoopAsync);
    }

    /// <summary>Where it listens (the port is the one bound, also when <see cref="DataPlaneOptions.Port"/> is 0).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>
    /// Binds <paramref name="address"/> (default: all interfaces) and starts accepting; <paramref name="tls"/> null is
    /// plain TCP. Connections run on <paramref name="threads"/> (shared with the silo's clients), or on threads of the
    /// server's own.
    /// </summary>
    public static DataPlaneServer Start(DataPlaneOptions options, DataPlaneTls? tls, ITensorSink sink, ITensorSource? source = null, ILogger? logger = null,
        IPAddress? address = null, DataPlaneThreads? threads = null)
    {
        DataPlaneOptionsValidator.Checked(options);
        var listener = new Socket(address?.AddressFamily ?? AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address is null) listener.DualMode = true;
            listener.Bind(new IPEndPoint(address ?? IPAddress.IPv6Any, options.Port));
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        var server = new DataPlaneServer(listener, options, tls, sink, source, logger ?? NullLogger.Instance, threads);
        Log.Listening(server._logger, server.EndPoint, tls is null ? "plain TCP" : "mutual TLS");
        return server;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(_threads.Run(() => ServeAsync(socket)));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        socket.NoDelay = true;
        var peer = socket.RemoteEndPoint!;
        FrameStream? frames = null;
        try
        {
            frames = await OpenAsync(socket, peer);
            await frames.WriteAsync(new Frame(FrameKind.Hello, Guid.Empty, 0, 0, _options.MaxFrameBytes), _stopping.Token);
            while (await NextAsync(frames) is { } frame)
            {
                if (!await HandleAsync(frames, frame, peer)) break;
            }
        }
        catch (DataPlaneException e)
        {
            Log.Refused(_logger, e.Reason, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Log.ConnectionLost(_logger, peer, e.Message);
        }
        finally
        {
            if (frames is not null) await frames.DisposeAsync();
            socket.Dispose();
        }
    }

    private async Task<FrameStream> OpenAsync(Socket socket, EndPoint peer)
    {
        var network = new NetworkStream(socket, ownsSocket: false);
        if (_tls is null) return new FrameStream(network, peer.ToString()!, _options);
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            handshake.CancelAfter(_options.HandshakeTimeout);
            await ssl.AuthenticateAsServerAsync(_tls.Server(), handshake.Token);
        }
        catch (Exception e) when (e is not DataPlaneException)
        {
            await ssl.DisposeAsync();
            throw DataPlaneTls.Refused(peer.ToString()!, e);
        }
        return new FrameStream(ssl, $"{peer} ({DataPlaneTls.Subject(ssl)})", _options);
    }

    /// <summary>The next request's header; one that is not a data-plane frame is answered with the reason, then the connection ends.</summary>
    private async Task<Frame?> NextAsync(FrameStream frames)
    {
        try
        {
            return await frames.ReadAsync(_stopping.Token);
        }
        catch (DataPlaneException e) when (e.Reason is DataPlaneRefusal.UnknownMagic or DataPlaneRefusal.ProtocolError)
        {
            await frames.RefuseAsync(default, e, _stopping.Token);
            throw;
        }
    }

    /// <summary>One request; false when the connection cannot carry another (the frame stream is out of step).</summary>
    private async Task<bool> HandleAsync(FrameStream frames, Frame frame, EndPoint peer)
    {
        switch (frame.Kind)
        {
            case FrameKind.Push:
                return await ReceivePushAsync(frames, frame, peer);
            case FrameKind.Fetch:
                await SendFetchedAsync(frames, frame);
                return true;
            default:
                var error = new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {frames.Peer} sent a {frame.Kind} frame where a Push or Fetch was expected");
                await frames.RefuseAsync(frame, error, _stopping.Token);
                throw error;
        }
    }

    private async Task<bool> ReceivePushAsync(FrameStream frames, Frame frame, EndPoint peer)
    {
        var descriptor = frame.Descriptor();
        if (frame.BodyLength > _options.MaxFrameBytes || frame.BodyLength > Array.MaxLength)
        {
            // Refused before a byte of the body is read. The body follows (a client that honours the Hello never sends
            // one), so the connection ends here.
            var oversized = new DataPlaneException(DataPlaneRefusal.Oversized,
                $"data plane: {descriptor} from {frames.Peer} is over the frame limit of {DataPlaneSizes.Format(_options.MaxFrameBytes)} (DataPlane:MaxFrameBytes): refused");
            await frames.RefuseAsync(frame, oversized, _stopping.Token);
            throw oversized;
        }
        var body = _sink.Open(descriptor, peer);
        if (body.Length < frame.BodyLength) throw new InvalidOperationException($"The sink gave {body.Length} bytes for {descriptor}.");
        body = body[..(int)frame.BodyLength];
        try
        {
            var checksum = await frames.ReadBodyAsync(descriptor, body, _stopping.Token);
            descriptor = descriptor with { Checksum = checksum };
        }
        catch (DataPlaneException e)
        {
            _sink.Abandon(descriptor, body, e);
            if (e.Reason != DataPlaneRefusal.ChecksumMismatch) throw;
            Log.Refused(_logger, e.Reason, e.Message);
            await frames.RefuseAsync(frame, e, _stopping.Token); // the frame was read whole: the sender may send it again
            return true;
        }
        catch (Exception e)
        {
            _sink.Abandon(descriptor, body, new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: {descriptor} from {frames.Peer} was lost: {e.Message}", e));
            throw;
        }
        try
        {
            await _sink.CompleteAsync(descriptor, body, peer);
        }
        catch (Exception e)
        {
            var failed = new DataPlaneException(DataPlaneRefusal.ConsumerFailed, $"data plane: the consumer of {descriptor} from {frames.Peer} failed: {e.Message}", e);
            Log.Refused(_logger, failed.Reason, failed.Message);
            await frames.RefuseAsync(frame, failed, _stopping.Token);
            return true;
        }
        await frames.WriteAsync(frame with { Kind = FrameKind.Ack, BodyLength = 0 }, _stopping.Token);
        return true;
    }

    private async Task SendFetchedAsync(FrameStream frames, Frame request)
    {
        if (_source is null || !_source.TryGet(request.Descriptor(), out var body))
        {
            var missing = new DataPlaneException(DataPlaneRefusal.NotFound, $"data plane: {request.Descriptor()} asked by {frames.Peer} is not here");
            await frames.RefuseAsync(request, missing, _stopping.Token);
            return;
        }
        if (body.Length > request.BodyLength)
        {
            var tooLarge = new DataPlaneException(DataPlaneRefusal.Oversized,
                $"data plane: {request.Descriptor()} is {DataPlaneSizes.Format(body.Length)}, over the {DataPlaneSizes.Format(request.BodyLength)} {frames.Peer} has room for");
            await frames.RefuseAsync(request, tooLarge, _stopping.Token);
            return;
        }
        await frames.WriteAsync(request with { Kind = FrameKind.Data, BodyLength = body.Length }, _stopping.Token);
        await frames.WriteBodyAsync(body, _stopping.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        await _accepting;
        Task[] connections;
        lock (_connections) connections = [.. _connections];
        await Task.WhenAll(connections);
        _stopping.Dispose();
        if (_ownsThreads) _threads.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "data plane listening on {EndPoint} ({Security})")]
        public static partial void Listening(ILogger logger, EndPoint endPoint, string security);

        [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "data plane refused ({Reason}): {Detail}")]
        public static partial void Refused(ILogger logger, DataPlaneRefusal reason, string detail);

        [LoggerMessage(EventId = 2203, Level = LogLevel.Debug, Message = "data plane connection from {Peer} lost: {Detail}")]
        public static partial void ConnectionLost(ILogger logger, EndPoint peer, string detail);
    }
}
