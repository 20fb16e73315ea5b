using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>What a run persists (ETag-guarded grain state): enough for a reactivated run grain to carry on after its silo died.</summary>
[GenerateSerializer, Alias("u2pl.run-record")]
public sealed class RunRecord
{
    [Id(0)] public string RunId { get; set; } = "";
    [Id(1)] public string ConfigText { get; set; } = "";
    [Id(2)] public string ConfigSource { get; set; } = "";
    [Id(3)] public RunState State { get; set; }
    [Id(4)] public RunState StateBeforePause { get; set; }
    [Id(5)] public string Message { get; set; } = "";
    [Id(6)] public int DesiredCount { get; set; }
    [Id(7)] public bool DesiredAuto { get; set; }
    [Id(8)] public DateTimeOffset Created { get; set; }
    [Id(9)] public long StepsPerEpoch { get; set; }
    [Id(10)] public int Epochs { get; set; }
    [Id(11)] public long TotalIterations { get; set; }
    [Id(12)] public long LastIteration { get; set; }
    [Id(13)] public long WarmupIterations { get; set; }
    [Id(14)] public int Shards { get; set; }
    [Id(15)] public int Classes { get; set; }
    [Id(16)] public int BatchSize { get; set; }
    [Id(17)] public bool Semi { get; set; }
    [Id(18)] public string CheckpointDirectory { get; set; } = "";
    /// <summary>Global progress: iterations below this are done.</summary>
    [Id(19)] public long Iteration { get; set; }
    [Id(20)] public long StartIteration { get; set; }
    [Id(21)] public double SecondsTrained { get; set; }
    [Id(22)] public string LastCheckpoint { get; set; } = "";
    [Id(23)] public long LastCheckpointIteration { get; set; }
    [Id(24)] public int EpochsEvaluated { get; set; }
    [Id(25)] public double BestMeanIoU { get; set; }
    [Id(26)] public double? LastMeanIoU { get; set; }
    [Id(27)] public long NextSequence { get; set; } = 1;
    [Id(28)] public List<RunEvent> Events { get; set; } = [];
    /// <summary>Every validation so far (the run page's mIoU table); one per evaluated epoch, so small.</summary>
    [Id(29)] public List<EvaluationPoint> Evaluations { get; set; } = [];
    /// <summary>Sync mode: how many times every state grain was rewound to a checkpoint (after one of them was restored); fences older leases.</summary>
    [Id(30)] public long Generation { get; set; }

    public const int MaxEvents = 500;

    public RunEvent Add(string kind, string message, DateTimeOffset now)
    {
        var runEvent = new RunEvent { Sequence = NextSequence++, Time = now, Kind = kind, Message = message, Iteration = Iteration };
        Events.Add(runEvent);
        if (Events.Count > MaxEvents) Events.RemoveRange(0, Events.Count - MaxEvents);
        return runEvent;
    }
}
