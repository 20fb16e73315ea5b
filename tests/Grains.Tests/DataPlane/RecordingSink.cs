using U2PL.Contracts;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using U2PL.Grains.DataPlane;

namespace U2PL.Grains.Tests.DataPlane;

/// <summary>A consumer that keeps what it is handed (a copy of each verified body) and every abandoned transfer.</summary>
internal sealed class RecordingSink : ITensorSink
{
    private readonly TaskCompletionSource _abandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Opened;

    public ConcurrentQueue<(TransferDescriptor Descriptor, byte[] Body)> Completed { get; } = new();

    public ConcurrentQueue<(TransferDescriptor Descriptor, DataPlaneException Reason)> Abandoned { get; } = new();

    public Memory<byte> Open(TransferDescriptor descriptor, EndPoint peer)
    {
        Interlocked.Increment(ref Opened);
        return new byte[descriptor.ByteLength];
    }

    public ValueTask CompleteAsync(TransferDescriptor descriptor, Memory<byte> body, EndPoint peer)
    {
        Completed.Enqueue((descriptor, body.ToArray()));
        return ValueTask.CompletedTask;
    }

    public void Abandon(TransferDescriptor descriptor, Memory<byte> body, DataPlaneException reason)
    {
        Abandoned.Enqueue((descriptor, reason));
        _abandoned.TrySetResult();
    }

    /// <summary>Completes once a transfer has been abandoned (fails the test after 15 s).</summary>
    public Task FirstAbandoned => _abandoned.Task.WaitAsync(TimeSpan.FromSeconds(15));
}

/// <summary>A source over a dictionary of bodies by transfer id.</summary>
internal sealed class DictionarySource : ITensorSource
{
    public ConcurrentDictionary<Guid, byte[]> Bodies { get; } = new();

    /// <summary>The thread each request was served on (name, whether a thread-pool thread).</summary>
    public ConcurrentQueue<(string? Name, bool Pool)> Threads { get; } = new();

    public bool TryGet(TransferDescriptor request, out ReadOnlyMemory<byte> body)
    {
        Threads.Enqueue((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
        var found = Bodies.TryGetValue(request.TransferId, out var bytes);
        body = bytes;
        return found;
    }
}

/// <summary>A logger that keeps the server's messages, to tell why it refused a peer.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue(formatter(state, exception));
}
