using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>A run's event log, persisted apart from its record (ETag-guarded like it) and capped at <see cref="MaxEvents"/>.</summary>
[GenerateSerializer, Alias("u2pl.run-events")]
public sealed class RunEventLog
{
    public const int MaxEvents = 500;

    [Id(0)] public long NextSequence { get; set; } = 1;
    [Id(1)] public List<RunEvent> Events { get; set; } = [];

    public RunEvent Add(RunEventKind kind, string message, DateTimeOffset now, long iteration)
    {
        var runEvent = new RunEvent { Sequence = NextSequence++, Time = now, Kind = kind, Message = message, Iteration = iteration };
        Events.Add(runEvent);
        if (Events.Count > MaxEvents) Events.RemoveRange(0, Events.Count - MaxEvents);
        return runEvent;
    }
}
