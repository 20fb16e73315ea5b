using System.Threading.Channels;
using U2PL.Client.Cluster;
using U2PL.Contracts;

namespace U2PL.Client.Runs;

/// <summary>
/// Follows a run until it finishes: subscribes an <see cref="IRunObserver"/> for pushed statuses and events, and also
/// polls <see cref="ITrainingRunGrain.GetStatus"/> every <see cref="PollPeriod"/> — a fallback for a lost subscription
/// (a gateway that went away, a run grain reactivated elsewhere). Events reach the caller once each, in sequence order.
/// </summary>
public sealed class RunWatcher(IGrainFactory grains, string runId)
{
    private readonly Channel<object> _updates = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private long _lastSequence;

    public TimeSpan PollPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Subscribe again when nothing was pushed for this long (a run grain reactivated elsewhere starts without observers).</summary>
    public TimeSpan ResubscribeAfter { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A subscription is renewed this often (the run grain forgets one after three minutes without).</summary>
    public TimeSpan RenewAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Replay the run's whole event log first (otherwise only events after the first status are reported).</summary>
    public bool ReplayEvents { get; init; }

    public ITrainingRunGrain Run { get; } = grains.GetGrain<ITrainingRunGrain>(runId);

    /// <summary>Calls <paramref name="onStatus"/> per status and <paramref name="onEvent"/> per new event; returns the final status.</summary>
    public async Task<RunStatus> WatchAsync(Func<RunStatus, Task> onStatus, Func<RunEvent, Task> onEvent, CancellationToken cancellationToken)
    {
        var status = await ClusterReads.ReadAsync(Run.GetStatus, cancellationToken); // an unknown run fails here
        _lastSequence = ReplayEvents ? 0 : status.RecentEvents.Select(e => e.Sequence).DefaultIfEmpty(0).Max();
        if (ReplayEvents) await EmitAsync(await ClusterReads.ReadAsync(() => Run.GetEvents(0), cancellationToken), onEvent);
        await onStatus(status);
        if (status.IsFinished) return status;

        var observer = new Observer(_updates.Writer);
        var reference = grains.CreateObjectReference<IRunObserver>(observer);
        var subscribed = await TrySubscribeAsync(reference, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var polling = PollAsync(observer, reference, stop.Token);
        try
        {
            await foreach (var update in _updates.Reader.ReadAllAsync(cancellationToken))
            {
                switch (update)
                {
                    case RunEvent runEvent:
                        await EmitAsync([runEvent], onEvent);
                        break;
                    case RunStatus next:
                        await EmitAsync(next.RecentEvents, onEvent);
                        status = next;
                        await onStatus(status);
                        break;
                    case Exception e:
                        throw e;
                }
                if (status.IsFinished) break;
            }
            // The last events (completed, stopped, the final evaluation) may trail the final status.
            await EmitAsync(await Run.GetEvents(_lastSequence).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken), onEvent);
            return status;
        }
        finally
        {
            stop.Cancel();
            await polling.ContinueWith(_ => { }, TaskScheduler.Default);
            if (subscribed) await TryUnsubscribeAsync(reference);
            grains.DeleteObjectReference<IRunObserver>(reference);
        }
    }

    private async Task<bool> TrySubscribeAsync(IRunObserver reference, CancellationToken cancellationToken)
    {
        try
        {
            await Run.Subscribe(reference).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException and not UnknownRunException)
        {
            return false; // polling alone still shows the run
        }
    }

    private async Task TryUnsubscribeAsync(IRunObserver reference)
    {
        try
        {
            await Run.Unsubscribe(reference).WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (Exception)
        {
            // best effort: the grain drops observers whose client is gone
        }
    }

    private async Task PollAsync(Observer observer, IRunObserver reference, CancellationToken cancellationToken)
    {
        var failures = 0;
        var subscribed = DateTimeOffset.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(PollPeriod, cancellationToken);
            try
            {
                _updates.Writer.TryWrite(await Run.GetStatus().WaitAsync(ClusterReads.AttemptTimeout, cancellationToken));
                failures = 0;
                // Nothing pushed for a while: the run grain may have moved to another silo and lost its observers.
                var now = DateTimeOffset.UtcNow;
                // Renewed every minute in any case: the run drops subscriptions that are not renewed (ObserverManager's expiry).
                if ((now - observer.LastPush > ResubscribeAfter && now - subscribed > ResubscribeAfter) || now - subscribed > RenewAfter)
                {
                    subscribed = now;
                    await TrySubscribeAsync(reference, cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A gateway or the run's silo may be failing over: give up only when it lasts.
                if (++failures >= 5) _updates.Writer.TryWrite(e);
            }
        }
    }

    private async Task EmitAsync(IEnumerable<RunEvent> events, Func<RunEvent, Task> onEvent)
    {
        foreach (var runEvent in events.OrderBy(e => e.Sequence))
        {
            if (runEvent.Sequence <= _lastSequence) continue;
            _lastSequence = runEvent.Sequence;
            await onEvent(runEvent);
        }
    }

    /// <summary>The object the run grain calls back; it only queues what it is given.</summary>
    private sealed class Observer(ChannelWriter<object> updates) : IRunObserver
    {
        private long _lastPushTicks = DateTimeOffset.UtcNow.UtcTicks;

        public DateTimeOffset LastPush => new(Interlocked.Read(ref _lastPushTicks), TimeSpan.Zero);

        public Task OnStatus(RunStatus status)
        {
            Interlocked.Exchange(ref _lastPushTicks, DateTimeOffset.UtcNow.UtcTicks);
            updates.TryWrite(status);
            return Task.CompletedTask;
        }

        public Task OnEvent(RunEvent runEvent)
        {
            Interlocked.Exchange(ref _lastPushTicks, DateTimeOffset.UtcNow.UtcTicks);
            updates.TryWrite(runEvent);
            return Task.CompletedTask;
        }
    }
}
