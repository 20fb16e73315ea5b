using U2PL.Contracts;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// The sending end of the tensor data plane: pushes float buffers to one <see cref="DataPlaneServer"/> and fetches them
/// from it over one connection (opened on first use, again after a failure). The body goes to the wire from the
/// caller's memory and comes back into the caller's memory: no copy of ours. Calls may overlap: their frames go out in
/// turn and each waits only for its own answer, so several transfers in flight need no round trip each. A transfer
/// refused for a checksum mismatch is sent (or fetched) again up to <see cref="DataPlaneOptions.ChecksumRetries"/> times.
/// Transfers run on <see cref="DataPlaneThreads"/> (the silo's, shared with its server, or the client's own), never on
/// the caller's scheduler or the thread pool.
/// </summary>
public sealed class DataPlaneClient(EndPoint server, DataPlaneOptions options, DataPlaneTls? tls = null, DataPlaneThreads? threads = null) : IAsyncDisposable
{
    private readonly DataPlaneOptions _options = DataPlaneOptionsValidator.Checked(options);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly DataPlaneThreads _threads = threads ?? new DataPlaneThreads(options.Threads, options.Nice);
    private readonly bool _ownsThreads = threads is null;
    private ClientConnection? _connection;
    private bool _disposed;

    public EndPoint Server { get; } = server;

    /// <summary>Sends <paramref name="values"/> (the memory a tensor lives in) as one transfer; returns its descriptor with the checksum.</summary>
    public async Task<TransferDescriptor> PushAsync(Guid transferId, int shard, long version, ReadOnlyMemory<float> values, CancellationToken cancellation = default)
    {
        using var bytes = PinnedBytes.Of(values);
        return await PushAsync(new TransferDescriptor(transferId, shard, version, bytes.Memory.Length), bytes.Memory, cancellation);
    }

    /// <summary>Sends <paramref name="body"/> under <paramref name="descriptor"/> (its ByteLength must be the body's).</summary>
    public Task<TransferDescriptor> PushAsync(TransferDescriptor descriptor, ReadOnlyMemory<byte> body, CancellationToken cancellation = default)
    {
        if (descriptor.ByteLength != body.Length) throw new ArgumentException($"{descriptor} does not match a body of {body.Length} bytes");
        return _threads.Run(() => PushOnThreadsAsync(descriptor, body, cancellation));
    }

    private async Task<TransferDescriptor> PushOnThreadsAsync(TransferDescriptor descriptor, ReadOnlyMemory<byte> body, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var connection = await ConnectedAsync(cancellation);
                if (body.Length > connection.ServerLimit)
                {
                    throw new DataPlaneException(DataPlaneRefusal.Oversized,
                        $"data plane at {connection.Peer} refused {descriptor}: over its frame limit of {DataPlaneSizes.Format(connection.ServerLimit)} (DataPlane:MaxFrameBytes), not sent");
                }
                return await connection.PushAsync(descriptor, body, cancellation);
            }
            catch (DataPlaneException e) when (e.Reason == DataPlaneRefusal.ChecksumMismatch && attempt < _options.ChecksumRetries)
            {
                // The server read the whole frame and refused it: the connection is in step, send again.
            }
            catch (Exception e)
            {
                throw Lost(e, descriptor);
            }
        }
    }

    /// <summary>Fetches a transfer into <paramref name="destination"/>; returns its descriptor. On an exception the destination holds nothing usable.</summary>
    public async Task<TransferDescriptor> FetchAsync(Guid transferId, int shard, long version, Memory<float> destination, CancellationToken cancellation = default)
    {
        using var bytes = PinnedBytes.Of(destination);
        return await FetchAsync(new TransferDescriptor(transferId, shard, version, bytes.Memory.Length), bytes.Memory, cancellation);
    }

    /// <summary>Fetches <paramref name="request"/> (its ByteLength: the room there is) into <paramref name="destination"/>; returns its descriptor.</summary>
    public Task<TransferDescriptor> FetchAsync(TransferDescriptor request, Memory<byte> destination, CancellationToken cancellation = default)
    {
        if (request.ByteLength != destination.Length) throw new ArgumentException($"{request} does not match a destination of {destination.Length} bytes");
        return _threads.Run(() => FetchOnThreadsAsync(request, destination, cancellation));
    }

    private async Task<TransferDescriptor> FetchOnThreadsAsync(TransferDescriptor request, Memory<byte> destination, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var connection = await ConnectedAsync(cancellation);
                return await connection.FetchAsync(request, destination, cancellation);
            }
            catch (DataPlaneException e) when (e.Reason == DataPlaneRefusal.ChecksumMismatch && attempt < _options.ChecksumRetries)
            {
            }
            catch (Exception e)
            {
                throw Lost(e, request);
            }
        }
    }

    /// <summary>A failure as a <see cref="DataPlaneException"/> naming the transfer and the server (cancellation stays as it is).</summary>
    private Exception Lost(Exception e, TransferDescriptor descriptor) => e switch
    {
        DataPlaneException or OperationCanceledException => e,
        System.Security.Authentication.AuthenticationException => DataPlaneTls.Refused(Server.ToString()!, e),
        IOException or SocketException or ObjectDisposedException => new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: connection to {Server} lost during {descriptor}: {e.Message}", e),
        _ => e,
    };

    private async Task<ClientConnection> ConnectedAsync(CancellationToken cancellation)
    {
        if (_connection is { IsOpen: true } open) return open;
        await _connecting.WaitAsync(cancellation);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // a transfer that raced the client's disposal opens nothing
            if (_connection is { IsOpen: true } opened) return opened;
            if (_connection is { } failed) await failed.DisposeAsync();
            _connection = null;
            var frames = await OpenAsync(cancellation);
            var hello = await frames.ReadAsync(cancellation, stall: true);
            if (hello is not { Kind: FrameKind.Hello } frame)
            {
                await frames.DisposeAsync();
                throw new DataPlaneException(hello is null ? DataPlaneRefusal.Unauthenticated : DataPlaneRefusal.ProtocolError,
                    hello is null ? $"data plane: {frames.Peer} closed the connection before its Hello (a refused certificate?)" : $"data plane: {frames.Peer} opened with {hello.Value.Kind}, not Hello");
            }
            return _connection = new ClientConnection(frames, frame.BodyLength, _threads);
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<FrameStream> OpenAsync(CancellationToken cancellation)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            await socket.ConnectAsync(Server, timeout.Token);
            var stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is null) return new FrameStream(stream, Server.ToString()!, _options);
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(tls.Client(), timeout.Token);
            return new FrameStream(ssl, $"{Server} ({DataPlaneTls.Subject(ssl)})", _options);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            socket.Dispose();
            throw DataPlaneTls.Refused(Server.ToString()!, e);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            socket.Dispose();
            throw new DataPlaneException(DataPlaneRefusal.Truncated,
                $"data plane: connecting to {Server} did not complete within {_options.HandshakeTimeout.TotalSeconds:0.#} s (DataPlane:HandshakeTimeout)");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync();
        try
        {
            _disposed = true;
            if (_connection is { } connection) await connection.DisposeAsync();
            _connection = null;
        }
        finally
        {
            _connecting.Release();
        }
        if (_ownsThreads) _threads.Dispose();
    }
}
