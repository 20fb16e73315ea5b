using U2PL.Contracts;
using System.Collections.Concurrent;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// One client connection with transfers in flight: requests are written in turn (one writer at a time) and the server
/// answers them in the order it read them, so a reader loop matches each answer to the oldest request waiting. A push
/// therefore need not wait for the previous push's Ack before its body goes out (no round trip per transfer when a
/// caller has several in flight). A fetch's body is read by the loop into the memory its request brought. When the
/// connection fails, every request waiting on it fails with the reason.
/// </summary>
internal sealed class ClientConnection : IAsyncDisposable
{
    private readonly FrameStream _frames;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly ConcurrentQueue<Pending> _waiting = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _reading;
    private Exception? _failure;

    public ClientConnection(FrameStream frames, long serverLimit, DataPlaneThreads threads)
    {
        _frames = frames;
        ServerLimit = serverLimit;
        _reading = threads.Run(ReadLoopAsync);
    }

    /// <summary>The largest body the server accepts (its Hello).</summary>
    public long ServerLimit { get; }

    public string Peer => _frames.Peer;

    /// <summary>False once the connection has failed: the client opens another.</summary>
    public bool IsOpen => _failure is null;

    private sealed record Pending(TransferDescriptor Request, Memory<byte> Destination, TaskCompletionSource<TransferDescriptor> Answer);

    /// <summary>Pushes a body; completes with the descriptor (its checksum) once the server has acknowledged it.</summary>
    public async Task<TransferDescriptor> PushAsync(TransferDescriptor descriptor, ReadOnlyMemory<byte> body, CancellationToken cancellation)
    {
        var pending = new Pending(descriptor, Memory<byte>.Empty, new(TaskCreationOptions.RunContinuationsAsynchronously));
        ulong checksum;
        await _writer.WaitAsync(cancellation);
        try
        {
            ThrowIfFailed();
            _waiting.Enqueue(pending); // before its frame goes out: answers come back in the order frames were sent
            await _frames.WriteAsync(Frame.For(FrameKind.Push, descriptor, body.Length), _closed.Token);
            checksum = await _frames.WriteBodyAsync(body, _closed.Token);
        }
        catch (Exception e) when (e is not DataPlaneException)
        {
            Fail(e);
            throw;
        }
        finally
        {
            _writer.Release();
        }
        await pending.Answer.Task.WaitAsync(cancellation);
        return descriptor with { Checksum = checksum };
    }

    /// <summary>Fetches a body into <paramref name="destination"/>; completes with the fetched descriptor once it is verified.</summary>
    public async Task<TransferDescriptor> FetchAsync(TransferDescriptor request, Memory<byte> destination, CancellationToken cancellation)
    {
        var pending = new Pending(request, destination, new(TaskCreationOptions.RunContinuationsAsynchronously));
        await _writer.WaitAsync(cancellation);
        try
        {
            ThrowIfFailed();
            _waiting.Enqueue(pending);
            await _frames.WriteAsync(Frame.For(FrameKind.Fetch, request, destination.Length), _closed.Token);
            await _frames.Stream.FlushAsync(_closed.Token);
        }
        catch (Exception e) when (e is not DataPlaneException)
        {
            Fail(e);
            throw;
        }
        finally
        {
            _writer.Release();
        }
        try
        {
            return await pending.Answer.Task.WaitAsync(cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The reader loop may be landing the body in the caller's (pinned) memory: stop it, and hand the memory back
            // only once it has stopped. A cancelled fetch costs the connection.
            Fail(new OperationCanceledException($"data plane: fetch of {request} from {Peer} cancelled"));
            await _reading;
            throw;
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                var frame = await _frames.ReadAsync(_closed.Token);
                if (frame is not { } answer) throw new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: {Peer} closed the connection");
                if (!_waiting.TryDequeue(out var pending))
                {
                    throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {Peer} sent a {answer.Kind} nobody asked for");
                }
                await AnswerAsync(pending, answer);
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private async Task AnswerAsync(Pending pending, Frame answer)
    {
        var request = pending.Request;
        if (answer.TransferId != request.TransferId)
        {
            throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {Peer} answered {request} with {answer.Kind} for {answer.TransferId:N}");
        }
        switch (answer.Kind)
        {
            case FrameKind.Refused:
                var message = await _frames.ReadRefusalAsync(answer, _closed.Token);
                pending.Answer.TrySetException(new DataPlaneException(answer.Reason, $"data plane at {Peer} refused {request}: {message}"));
                return;
            case FrameKind.Ack when pending.Destination.IsEmpty:
                pending.Answer.TrySetResult(request);
                return;
            case FrameKind.Data when answer.BodyLength <= pending.Destination.Length:
                try
                {
                    var checksum = await _frames.ReadBodyAsync(answer.Descriptor(), pending.Destination[..(int)answer.BodyLength], _closed.Token);
                    pending.Answer.TrySetResult(answer.Descriptor(checksum));
                }
                catch (DataPlaneException e) when (e.Reason == DataPlaneRefusal.ChecksumMismatch)
                {
                    pending.Answer.TrySetException(e); // the body was read whole: the connection stays in step
                }
                return;
            case FrameKind.Data:
                throw new DataPlaneException(DataPlaneRefusal.Oversized, $"data plane: {answer.Descriptor()} from {Peer} does not fit the {DataPlaneSizes.Format(pending.Destination.Length)} asked for");
            default:
                throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {Peer} answered {request} with {answer.Kind}");
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure) throw failure is DataPlaneException ? failure : new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: connection to {Peer} lost: {failure.Message}", failure);
    }

    /// <summary>Ends the connection: every request still waiting fails with the reason.</summary>
    private void Fail(Exception reason)
    {
        lock (_waiting)
        {
            _failure ??= reason;
        }
        _closed.Cancel();
        var lost = _failure as DataPlaneException ?? new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: connection to {Peer} lost: {_failure.Message}", _failure);
        while (_waiting.TryDequeue(out var pending))
        {
            pending.Answer.TrySetException(new DataPlaneException(lost.Reason, $"{lost.Message} (during {pending.Request})", lost));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(DataPlaneClient)));
        await _frames.DisposeAsync();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
