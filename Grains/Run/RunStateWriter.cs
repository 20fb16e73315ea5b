using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>
/// A run's persisted state, its record and its event log, each written (ETag-fenced) only when it changed since the
/// last write, and one write at a time: the run's interleaved calls and background work share the ETags.
/// </summary>
internal sealed class RunStateWriter(IPersistentState<RunRecord> record, IPersistentState<RunEventLog> events)
{
    private Task _writes = Task.CompletedTask;
    private bool _recordChanged;
    private bool _eventsChanged;

    public void RecordChanged() => _recordChanged = true;

    public void EventsChanged() => _eventsChanged = true;

    /// <summary>Writes what changed after the writes already queued; an <c>InconsistentStateException</c> means a newer activation wrote.</summary>
    public Task Save(RunRecord current, RunEventLog log)
    {
        var previous = _writes;
        return _writes = Write(previous);

        async Task Write(Task before)
        {
            await before.ContinueWith(_ => { }, TaskScheduler.Current);
            if (_recordChanged)
            {
                _recordChanged = false;
                await GrainState.WriteAsync(record, current);
            }
            if (_eventsChanged)
            {
                _eventsChanged = false;
                await GrainState.WriteAsync(events, log);
            }
        }
    }
}
