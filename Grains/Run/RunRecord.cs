using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>What a run persists (JSON, fenced): enough for a reactivated run grain to carry on after its silo died.</summary>
public sealed class RunRecord
{
    public string RunId { get; set; } = "";
    public string ConfigText { get; set; } = "";
    public string ConfigSource { get; set; } = "";
    public RunState State { get; set; }
    public RunState StateBeforePause { get; set; }
    public string Message { get; set; } = "";
    public int DesiredCount { get; set; }
    public bool DesiredAuto { get; set; }
    public DateTimeOffset Created { get; set; }
    public long StepsPerEpoch { get; set; }
    public int Epochs { get; set; }
    public long TotalIterations { get; set; }
    public long LastIteration { get; set; }
    public long WarmupIterations { get; set; }
    public int Shards { get; set; }
    public int Classes { get; set; }
    public int BatchSize { get; set; }
    public bool Semi { get; set; }
    public string CheckpointDirectory { get; set; } = "";
    /// <summary>Global progress: iterations below this are done.</summary>
    public long Iteration { get; set; }
    public long StartIteration { get; set; }
    public double SecondsTrained { get; set; }
    public string LastCheckpoint { get; set; } = "";
    public long LastCheckpointIteration { get; set; }
    public int EpochsEvaluated { get; set; }
    public double BestMeanIoU { get; set; }
    public double? LastMeanIoU { get; set; }
    public long NextSequence { get; set; } = 1;
    public List<RunEvent> Events { get; set; } = [];

    public const int MaxEvents = 500;

    public RunEvent Add(string kind, string message, DateTimeOffset now)
    {
        var runEvent = new RunEvent { Sequence = NextSequence++, Time = now, Kind = kind, Message = message, Iteration = Iteration };
        Events.Add(runEvent);
        if (Events.Count > MaxEvents) Events.RemoveRange(0, Events.Count - MaxEvents);
        return runEvent;
    }
}
