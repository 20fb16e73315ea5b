using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>
/// A run's workers as its coordinator sees them: one slot per desired worker (slot i is the worker grain
/// <c>run/i</c>), when each was started and last heard from, and which are being stopped. It decides, and the run
/// grain carries out: which slots to start (missing, or silent for longer than <see cref="Silence"/>), which to stop
/// (beyond the desired count), and which workers are gone with a silo the membership declared dead.
/// </summary>
public sealed class WorkerFleet(TimeProvider time, TimeSpan silence)
{
    /// <summary>A started worker that has not reported after this long is started again (model building and data loading included).</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(180);

    private readonly Dictionary<string, WorkerSlot> _slots = [];
    private DateTimeOffset? _scaledAt;

    /// <summary>A reporting worker silent for longer than this is started again (starting a live worker again is harmless).</summary>
    public TimeSpan Silence { get; } = silence;

    public int Count => _slots.Count;

    /// <summary>The workers in slot order, as the status shows them.</summary>
    public IReadOnlyList<WorkerInfo> Workers => [.. _slots.OrderBy(s => GrainKeys.SlotOf(s.Key)).Select(s => s.Value.Info)];

    /// <summary>The workers that have reported a step: the ones whose rates count.</summary>
    public IReadOnlyList<WorkerInfo> Reporting => [.. _slots.Values.Where(s => s.Reported).Select(s => s.Info)];

    public double ImagesPerSecond => _slots.Values.Where(s => s.Reported).Sum(s => s.Info.ImagesPerSecond);

    /// <summary>Remembers when the desired count changed, so that a new worker's join can say how long the scale took.</summary>
    public void Scaled() => _scaledAt = time.GetUtcNow();

    /// <summary>What to do now for <paramref name="desired"/> workers, given the silos declared dead.</summary>
    public FleetPlan Plan(string runId, int desired, IReadOnlySet<string> deadSilos)
    {
        var now = time.GetUtcNow();
        var lost = _slots.Where(s => deadSilos.Contains(s.Value.Info.Silo)).Select(s => new LostWorker(s.Key, s.Value.Info.Silo)).ToList();
        foreach (var worker in lost) _slots.Remove(worker.Key);

        var silent = new List<SilentWorker>();
        var start = new List<string>();
        for (var slotIndex = 0; slotIndex < desired; slotIndex++)
        {
            var key = GrainKeys.Worker(runId, slotIndex);
            if (_slots.TryGetValue(key, out var slot))
            {
                var quiet = slot.Reported ? now - slot.LastHeard : now - slot.StartedAt;
                if (quiet <= (slot.Reported ? Silence : StartGrace)) continue;
                silent.Add(new SilentWorker(key, slot.Info.Silo, quiet));
                _slots.Remove(key);
            }
            _slots[key] = new WorkerSlot(key, now);
            start.Add(key);
        }

        var stop = _slots.Where(s => GrainKeys.SlotOf(s.Key) >= desired && !s.Value.Stopping).Select(s => s.Key).ToList();
        foreach (var key in stop) _slots[key].Stopping = true;
        return new FleetPlan(start, stop, silent, lost);
    }

    /// <summary>A worker grain answered its start: where it runs.</summary>
    public void Started(string key, WorkerInfo info)
    {
        if (_slots.TryGetValue(key, out var slot)) slot.Info = info;
    }

    /// <summary>A start failed (no free GPU slot): the slot is free for the next reconciliation.</summary>
    public void StartFailed(string key) => _slots.Remove(key);

    /// <summary>A worker's report: the first accepted one makes it a member (returned as the join, with how long it took).</summary>
    public WorkerJoin? Report(WorkerReport report)
    {
        var now = time.GetUtcNow();
        var key = report.Worker.WorkerKey;
        if (!_slots.TryGetValue(key, out var slot))
        {
            slot = _slots[key] = new WorkerSlot(key, now);
        }
        WorkerJoin? join = null;
        if (!slot.Reported && report.Accepted)
        {
            slot.Reported = true;
            // A worker the scale started (in the same turn): how long the scale took to reach its first accepted step.
            var sinceScale = _scaledAt is { } scaled && (slot.StartedAt - scaled).Duration() <= TimeSpan.FromSeconds(1) ? now - scaled : (TimeSpan?)null;
            join = new WorkerJoin(key, report.Worker.Silo, report.Iteration, now - slot.StartedAt, sinceScale);
        }
        slot.Info = report.Worker;
        slot.LastHeard = now;
        return join;
    }

    /// <summary>A worker's notice that it stopped; the slot it held, if the fleet still had it.</summary>
    public WorkerInfo? Stopped(string key) => _slots.Remove(key, out var slot) ? slot.Info : null;

    /// <summary>Every worker's key, for stopping them all.</summary>
    public IReadOnlyList<string> Keys => [.. _slots.Keys];

    private sealed class WorkerSlot(string key, DateTimeOffset startedAt)
    {
        public WorkerInfo Info { get; set; } = new() { WorkerKey = key, State = WorkerState.Starting };
        public DateTimeOffset StartedAt { get; } = startedAt;
        public DateTimeOffset LastHeard { get; set; } = startedAt;
        public bool Reported { get; set; }
        public bool Stopping { get; set; }
    }
}

/// <summary>The fleet's decisions for one reconciliation.</summary>
public sealed record FleetPlan(IReadOnlyList<string> Start, IReadOnlyList<string> Stop, IReadOnlyList<SilentWorker> Silent, IReadOnlyList<LostWorker> Lost);

/// <summary>A worker that stopped reporting; its slot is started again.</summary>
public sealed record SilentWorker(string Key, string Silo, TimeSpan Quiet);

/// <summary>A worker on a silo declared dead; its leases are handed out again and its slot is started elsewhere.</summary>
public sealed record LostWorker(string Key, string Silo);

/// <summary>A worker's first accepted step.</summary>
public sealed record WorkerJoin(string Key, string Silo, long Iteration, TimeSpan SinceStart, TimeSpan? SinceScale);
