using U2PL.Runtime.Scheduler;

namespace U2PL.Runtime.Timers;

/// <summary>
/// A grain timer: each tick is queued as a turn of its activation (exclusive unless interleaving), and the next
/// period starts only after the tick completed, so ticks never overlap each other or (by default) calls.
/// </summary>
internal sealed class GrainTimer : IGrainTimer
{
    private readonly Func<CancellationToken, Task> _callback;
    private readonly Func<WorkItem, bool> _enqueue;
    private readonly Action<Exception> _onError;
    private readonly TurnKind _kind;
    private readonly CancellationTokenSource _stop;
    private TimeSpan _dueTime;
    private TimeSpan _period;
    private CancellationTokenSource _change = new();

    public GrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options, Func<WorkItem, bool> enqueue,
        Action<Exception> onError, CancellationToken activationStopping)
    {
        _callback = callback;
        _enqueue = enqueue;
        _onError = onError;
        _kind = options.Interleave ? TurnKind.Interleave : TurnKind.Exclusive;
        _dueTime = options.DueTime;
        _period = options.Period;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(activationStopping);
        _ = Task.Run(RunAsync);
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        _dueTime = dueTime;
        _period = period;
        var old = Interlocked.Exchange(ref _change, new CancellationTokenSource());
        old.Cancel();
    }

    public void Dispose() => _stop.Cancel();

    private async Task RunAsync()
    {
        var delay = _dueTime;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _change.Token);
                if (delay != Timeout.InfiniteTimeSpan) await Task.Delay(delay, linked.Token).ConfigureAwait(false);
                else await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                if (_stop.IsCancellationRequested) return;
                delay = _dueTime; // changed
                continue;
            }
            var item = new WorkItem(_kind, () => _callback(_stop.Token));
            if (!_enqueue(item)) return;
            try
            {
                await item.Completion.Task.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _onError(e);
            }
            catch (OperationCanceledException)
            {
                // the tick observed the stop token
            }
            delay = _period;
            if (delay == Timeout.InfiniteTimeSpan) return;
        }
    }
}
