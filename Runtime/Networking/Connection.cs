using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Networking;

/// <summary>
/// An authenticated, multiplexed connection over a duplex pipe (a Kestrel connection or an outbound socket): many
/// requests in flight at once, matched to responses by correlation id. Messages are written under a lock, in frames
/// of at most the chunk size, flushing after each frame so that a slow reader slows the writer (back-pressure).
/// Any protocol violation closes the connection; it never escapes to the silo.
/// </summary>
public sealed class Connection : IAsyncDisposable
{
    private readonly IDuplexPipe _pipe;
    private readonly MessagingOptions _options;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Action _abort;
    private readonly Stream? _directOutput;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<Message>> _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private long _nextId;

    internal Connection(IDuplexPipe pipe, string remote, PeerKind peerKind, string peerId, MessagingOptions options,
        RuntimeMetrics metrics, ILogger logger, Action abort, Stream? directOutput = null)
    {
        _directOutput = directOutput;
        _pipe = pipe;
        Remote = remote;
        PeerKind = peerKind;
        PeerId = peerId;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _abort = abort;
    }

    /// <summary>The remote endpoint, for logs.</summary>
    public string Remote { get; }

    /// <summary>Silo or client.</summary>
    public PeerKind PeerKind { get; }

    /// <summary>The peer's silo address or client id.</summary>
    public string PeerId { get; }

    /// <summary>Whether the connection is closed.</summary>
    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Cancelled when the connection closes.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Reads frames until the peer goes away or breaks the protocol.</summary>
    public async Task RunAsync(IConnectionMessageHandler handler)
    {
        Exception? error = null;
        try
        {
            await ReadLoopAsync(handler).ConfigureAwait(false);
        }
        catch (ProtocolViolationException e)
        {
            _metrics.Rejection(e.Reason);
            Log.ConnectionRejected(_logger, Remote, e.Reason, e.Message);
            error = e;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException
                                  or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            error = e;
        }
        finally
        {
            Close(error);
            handler.OnClosed(this);
        }
    }

    private async Task ReadLoopAsync(IConnectionMessageHandler handler)
    {
        var input = _pipe.Input;
        var assembly = new MessageAssembler(_options.MaxMessageSize);
        while (true)
        {
            var result = await input.ReadAsync(_closed.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var before = buffer.Length;
            while (FrameHeader.TryRead(ref buffer, _options.MaxFrameSize, out var header, out var payload))
            {
                if (header.Type != FrameType.Message)
                    throw new ProtocolViolationException(RejectReason.Malformed, $"unexpected {header.Type} frame after the handshake");
                if (assembly.Length + payload.Length > _options.MaxMessageSize)
                    throw new ProtocolViolationException(RejectReason.Oversized, $"message above {_options.MaxMessageSize} bytes");
                assembly.Append(payload);
                if ((header.Flags & FrameFlags.EndOfMessage) != 0) Dispatch(handler, assembly.Build());
            }
            _metrics.BytesReceived(before - buffer.Length);
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) return;
        }
    }

    private void Dispatch(IConnectionMessageHandler handler, ReadOnlySequence<byte> data)
    {
        Message message;
        try
        {
            message = MessageCodec.Decode(data);
        }
        catch (WireFormatException e)
        {
            throw new ProtocolViolationException(RejectReason.Malformed, e.Message);
        }
        switch (message.Direction)
        {
            case MessageDirection.Response:
                if (_pending.TryRemove(message.Id, out var tcs)) tcs.TrySetResult(message);
                break;
            case MessageDirection.Ping:
                _ = SendAsync(Message.ResponseTo(message, ResponseStatus.Ok), CancellationToken.None);
                break;
            default:
                handler.OnMessage(this, message);
                break;
        }
    }

    /// <summary>Sends a message (a response or a cancel).</summary>
    public async Task SendAsync(Message message, CancellationToken cancellationToken)
    {
        var payload = MessageCodec.Encode(message);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var started = false;
        try
        {
            await WriteFramesAsync(payload, () => started = true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (started)
        {
            // A message cut off mid-way would run into the next one on the wire: the connection cannot be used further.
            Close(e);
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends a request (or ping) and waits for its response, its deadline (<see cref="TimeoutException"/>), the
    /// caller's token (a cancel is sent to the peer) or the connection's end (<see cref="SiloUnavailableException"/>).
    /// </summary>
    public async Task<Message> SendRequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        request.Id = Interlocked.Increment(ref _nextId);
        request.TimeToLiveMs = (long)timeout.TotalMilliseconds;
        var tcs = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.Id] = tcs;
        if (IsClosed) _pending.TryRemove(request.Id, out _);
        if (IsClosed) throw new SiloUnavailableException($"Connection to {PeerId} is closed.");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await using var registration = deadline.Token.Register(() =>
        {
            if (!_pending.TryRemove(request.Id, out var pending)) return;
            if (cancellationToken.IsCancellationRequested) pending.TrySetCanceled(cancellationToken);
            else pending.TrySetException(new TimeoutException($"{request.Target} did not answer within {timeout}."));
            if (!IsClosed) _ = SendAsync(new Message { Id = request.Id, Direction = MessageDirection.Cancel, Target = request.Target }, CancellationToken.None)
                .ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }).ConfigureAwait(false);
        try
        {
            await SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            _pending.TryRemove(request.Id, out _);
            Close(e);
            throw new SiloUnavailableException($"Sending to {PeerId} failed.", e);
        }
        return await tcs.Task.ConfigureAwait(false);
    }

    /// <summary>Pieces at least this large go straight to the socket stream where there is one (no copy into the pipe).</summary>
    private const int DirectWriteThreshold = 64 * 1024;

    private async Task WriteFramesAsync(SerializedPayload payload, Action onStarted, CancellationToken cancellationToken)
    {
        var output = _pipe.Output;
        var remaining = payload.Length;
        var pieces = payload.Pieces;
        int pieceIndex = 0, pieceOffset = 0;
        do
        {
            var frameLength = (int)Math.Min(remaining, _options.ChunkSize);
            remaining -= frameLength;
            var header = new FrameHeader(FrameType.Message, remaining == 0 ? FrameFlags.EndOfMessage : FrameFlags.None, frameLength);
            header.Write(output.GetSpan(FrameHeader.Size));
            output.Advance(FrameHeader.Size);
            onStarted();
            var left = frameLength;
            while (left > 0)
            {
                var piece = pieces[pieceIndex][pieceOffset..];
                var n = Math.Min(piece.Length, left);
                if (_directOutput is not null && n >= DirectWriteThreshold)
                {
                    // Outbound sockets: what the pipe holds goes first, then the block itself (the send's only copy is the kernel's).
                    var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (flushed.IsCompleted) throw new IOException($"Connection to {PeerId} closed while sending.");
                    await _directOutput.WriteAsync(piece[..n], cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var destination = output.GetSpan(Math.Min(n, 65536));
                    n = Math.Min(n, destination.Length);
                    piece.Span[..n].CopyTo(destination);
                    output.Advance(n);
                }
                left -= n;
                pieceOffset += n;
                if (pieceOffset == pieces[pieceIndex].Length) { pieceIndex++; pieceOffset = 0; }
            }
            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            _metrics.BytesSent(FrameHeader.Size + frameLength);
            if (flush.IsCompleted) throw new IOException($"Connection to {PeerId} closed while sending.");
        }
        while (remaining > 0);
    }

    /// <summary>Closes the connection and fails its pending requests.</summary>
    public void Close(Exception? reason = null)
    {
        if (_closed.IsCancellationRequested) return;
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var tcs))
                tcs.TrySetException(new SiloUnavailableException($"Connection to {PeerId} closed.", reason));
        }
        Log.ConnectionClosed(_logger, Remote, reason);
        try
        {
            _abort();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException)
        {
            // already gone
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
