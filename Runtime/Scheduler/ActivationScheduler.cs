using System.Threading.Channels;

namespace U2PL.Runtime.Scheduler;

/// <summary>
/// Turn-based execution for one activation. Grain code runs on an exclusive task scheduler (one thread at a time;
/// continuations after <c>await</c> come back to it). Work items start in arrival order: an exclusive item waits until
/// every running item finished; read-only items wait only for a running exclusive one; interleaving items start at once.
/// </summary>
internal sealed class ActivationScheduler
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskScheduler _scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private readonly bool _reentrant;
    private readonly Task _pump;

    public ActivationScheduler(bool reentrant)
    {
        _reentrant = reentrant;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The task scheduler grain code runs on.</summary>
    public TaskScheduler TaskScheduler => _scheduler;

    /// <summary>Queues work; false when the scheduler was closed.</summary>
    public bool TryEnqueue(WorkItem item) => _queue.Writer.TryWrite(item);

    /// <summary>Stops accepting work; queued work still runs. Completes when the queue drained.</summary>
    public Task CloseAsync()
    {
        _queue.Writer.TryComplete();
        return _pump;
    }

    /// <summary>
    /// Interleaving items start as they arrive; the others pass to <see cref="PumpTurnsAsync"/> in arrival order, so an
    /// exclusive item waiting for the running turn never holds back an interleaving call queued behind it.
    /// </summary>
    private async Task PumpAsync()
    {
        var turns = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var turnPump = PumpTurnsAsync(turns.Reader);
        var interleaved = new List<Task>();
        await foreach (var item in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_reentrant || item.Kind == TurnKind.Interleave)
            {
                interleaved.RemoveAll(t => t.IsCompleted);
                interleaved.Add(Start(item));
            }
            else
            {
                turns.Writer.TryWrite(item);
            }
        }
        turns.Writer.TryComplete();
        await turnPump.ConfigureAwait(false);
        await Task.WhenAll(interleaved).ConfigureAwait(false);
    }

    /// <summary>Read-only items run together, never beside an exclusive one; exclusive items one at a time, in arrival order.</summary>
    private async Task PumpTurnsAsync(ChannelReader<WorkItem> turns)
    {
        var exclusive = Task.CompletedTask;
        var readers = new List<Task>();
        await foreach (var item in turns.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.Kind == TurnKind.ReadOnly)
            {
                await exclusive.ConfigureAwait(false);
                readers.RemoveAll(t => t.IsCompleted);
                readers.Add(Start(item));
            }
            else
            {
                await exclusive.ConfigureAwait(false);
                await Task.WhenAll(readers).ConfigureAwait(false);
                readers.Clear();
                exclusive = Start(item);
            }
        }
        await exclusive.ConfigureAwait(false);
        await Task.WhenAll(readers).ConfigureAwait(false);
    }

    private Task Start(WorkItem item)
    {
        var task = Task.Factory.StartNew(item.Run, CancellationToken.None, TaskCreationOptions.None, _scheduler).Unwrap();
        return task.ContinueWith(t =>
        {
            if (t.IsFaulted) item.Completion.TrySetException(t.Exception!.InnerExceptions);
            else if (t.IsCanceled) item.Completion.TrySetCanceled();
            else item.Completion.TrySetResult();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
