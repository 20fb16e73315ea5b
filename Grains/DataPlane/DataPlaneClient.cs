using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// The sending end of the tensor data plane: pushes float buffers to one <see cref="DataPlaneServer"/> and fetches them
/// from it, over one connection (opened on first use, again after a failure), one transfer at a time. The body goes to
/// the wire from the caller's memory and comes back into the caller's memory: no copy of ours. A push the server
/// refuses for a checksum mismatch is sent again up to <see cref="DataPlaneOptions.ChecksumRetries"/> times.
/// </summary>
public sealed class DataPlaneClient(EndPoint server, DataPlaneOptions options, DataPlaneTls? tls = null) : IAsyncDisposable
{
    private readonly DataPlaneOptions _options = DataPlaneOptionsValidator.Checked(options);
    private readonly SemaphoreSlim _one = new(1, 1);
    private FrameStream? _frames;
    private long _serverLimit;

    public EndPoint Server { get; } = server;

    /// <summary>Sends <paramref name="values"/> (the memory a tensor lives in) as one transfer; returns its descriptor with the checksum.</summary>
    public async Task<TransferDescriptor> PushAsync(Guid transferId, int shard, long version, ReadOnlyMemory<float> values, CancellationToken cancellation = default)
    {
        using var bytes = PinnedBytes.Of(values);
        return await PushAsync(new TransferDescriptor(transferId, shard, version, bytes.Memory.Length), bytes.Memory, cancellation);
    }

    /// <summary>Sends <paramref name="body"/> under <paramref name="descriptor"/> (its ByteLength must be the body's).</summary>
    public async Task<TransferDescriptor> PushAsync(TransferDescriptor descriptor, ReadOnlyMemory<byte> body, CancellationToken cancellation = default)
    {
        if (descriptor.ByteLength != body.Length) throw new ArgumentException($"{descriptor} does not match a body of {body.Length} bytes");
        await _one.WaitAsync(cancellation);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var frames = await ConnectedAsync(cancellation);
                    if (body.Length > _serverLimit)
                    {
                        throw new DataPlaneException(DataPlaneRefusal.Oversized,
                            $"data plane at {frames.Peer} refused {descriptor}: over its frame limit of {DataPlaneSizes.Format(_serverLimit)} (DataPlane:MaxFrameBytes), not sent");
                    }
                    await frames.WriteAsync(Frame.For(FrameKind.Push, descriptor, body.Length), cancellation);
                    var checksum = await frames.WriteBodyAsync(body, cancellation);
                    await Expect(frames, FrameKind.Ack, descriptor, cancellation);
                    return descriptor with { Checksum = checksum };
                }
                catch (DataPlaneException e) when (e.Reason == DataPlaneRefusal.ChecksumMismatch && attempt < _options.ChecksumRetries)
                {
                    // The server read the whole frame and refused it: the connection is in step, send again.
                }
                catch (Exception e)
                {
                    await DropAsync();
                    throw Lost(e, descriptor);
                }
            }
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Fetches a transfer into <paramref name="destination"/>; returns how many floats arrived. On an exception the destination holds nothing usable.</summary>
    public async Task<TransferDescriptor> FetchAsync(Guid transferId, int shard, long version, Memory<float> destination, CancellationToken cancellation = default)
    {
        using var bytes = PinnedBytes.Of(destination);
        var request = new TransferDescriptor(transferId, shard, version, bytes.Memory.Length);
        await _one.WaitAsync(cancellation);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var frames = await ConnectedAsync(cancellation);
                    await frames.WriteAsync(Frame.For(FrameKind.Fetch, request, bytes.Memory.Length), cancellation);
                    var data = await Expect(frames, FrameKind.Data, request, cancellation);
                    if (data.BodyLength > bytes.Memory.Length || data.BodyLength % sizeof(float) != 0)
                    {
                        throw new DataPlaneException(DataPlaneRefusal.Oversized, $"data plane: {data.Descriptor()} from {frames.Peer} does not fit the {DataPlaneSizes.Format(bytes.Memory.Length)} asked for");
                    }
                    var checksum = await frames.ReadBodyAsync(data.Descriptor(), bytes.Memory[..(int)data.BodyLength], cancellation);
                    return data.Descriptor(checksum);
                }
                catch (DataPlaneException e) when (e.Reason == DataPlaneRefusal.ChecksumMismatch && attempt < _options.ChecksumRetries)
                {
                }
                catch (Exception e)
                {
                    await DropAsync();
                    throw Lost(e, request);
                }
            }
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>The next frame, which must be <paramref name="kind"/>; a refusal becomes a <see cref="DataPlaneException"/> with the server's reason.</summary>
    private static async Task<Frame> Expect(FrameStream frames, FrameKind kind, TransferDescriptor descriptor, CancellationToken cancellation)
    {
        var frame = await frames.ReadAsync(cancellation, stall: true)
            ?? throw new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: {frames.Peer} closed the connection during {descriptor}");
        if (frame.Kind == FrameKind.Refused)
        {
            throw new DataPlaneException(frame.Reason, $"data plane at {frames.Peer} refused {descriptor}: {await frames.ReadRefusalAsync(frame, cancellation)}");
        }
        if (frame.Kind != kind || frame.TransferId != descriptor.TransferId)
        {
            throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {frames.Peer} answered {descriptor} with {frame.Kind} for {frame.TransferId:N}");
        }
        return frame;
    }

    /// <summary>A failure as a <see cref="DataPlaneException"/> naming the transfer and the server (cancellation stays as it is).</summary>
    private Exception Lost(Exception e, TransferDescriptor descriptor) => e switch
    {
        DataPlaneException or OperationCanceledException => e,
        System.Security.Authentication.AuthenticationException => DataPlaneTls.Refused(Server.ToString()!, e),
        IOException or SocketException or ObjectDisposedException => new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: connection to {Server} lost during {descriptor}: {e.Message}", e),
        _ => e,
    };

    private async Task<FrameStream> ConnectedAsync(CancellationToken cancellation)
    {
        if (_frames is not null) return _frames;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            await socket.ConnectAsync(Server, timeout.Token);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(tls.Client(), timeout.Token);
                return await HelloAsync(new FrameStream(ssl, $"{Server} ({DataPlaneTls.Subject(ssl)})", _options), cancellation);
            }
            return await HelloAsync(new FrameStream(stream, Server.ToString()!, _options), cancellation);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            socket.Dispose();
            throw DataPlaneTls.Refused(Server.ToString()!, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the server's Hello (its frame limit); a server that refused this client's certificate closes instead.</summary>
    private async Task<FrameStream> HelloAsync(FrameStream frames, CancellationToken cancellation)
    {
        var hello = await frames.ReadAsync(cancellation, stall: true);
        if (hello is not { Kind: FrameKind.Hello } frame)
        {
            await frames.DisposeAsync();
            throw new DataPlaneException(hello is null ? DataPlaneRefusal.Unauthenticated : DataPlaneRefusal.ProtocolError,
                hello is null ? $"data plane: {frames.Peer} closed the connection before its Hello (a refused certificate?)" : $"data plane: {frames.Peer} opened with {hello.Value.Kind}, not Hello");
        }
        _serverLimit = frame.BodyLength;
        return _frames = frames;
    }

    private async ValueTask DropAsync()
    {
        if (_frames is { } frames)
        {
            _frames = null;
            await frames.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DropAsync();
        _one.Dispose();
    }
}
