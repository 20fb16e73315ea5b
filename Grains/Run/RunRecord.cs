using U2PL.Contracts;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// What a run persists (ETag-guarded grain state), written when it changes: enough for a reactivated run grain to carry
/// on after its silo died. Progress (<see cref="Iteration"/>, <see cref="SecondsTrained"/>) rides along with the next
/// change (at the latest the next checkpoint): a reactivated run reads it back from the dispenser. The event log is
/// stored apart (<see cref="RunEventLog"/>).
/// </summary>
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
    /// <summary>Every validation so far (the run page's mIoU table); one per evaluated epoch, so small.</summary>
    [Id(29)] public List<EvaluationPoint> Evaluations { get; set; } = [];
    /// <summary>Sync mode: how many times every state grain was rewound to a checkpoint (after one of them was restored); fences older leases.</summary>
    [Id(30)] public long Generation { get; set; }
    /// <summary>The checkpoint the run started from (--resume), or empty.</summary>
    [Id(31)] public string ResumedFrom { get; set; } = "";
    /// <summary>Epochs whose end is checkpointed: the dispenser hands out steps up to the end of the next one only.</summary>
    [Id(32)] public int EpochsClosed { get; set; }

    /// <summary>A validation's result: the run's last and best mIoU and its row of the run page's table.</summary>
    public void Evaluated(EvaluationReport report, DateTimeOffset now)
    {
        LastMeanIoU = report.MeanIoU;
        BestMeanIoU = Math.Max(BestMeanIoU, report.MeanIoU);
        Evaluations.RemoveAll(e => e.Epoch == report.Epoch);
        Evaluations.Add(new EvaluationPoint
        {
            Epoch = report.Epoch, Iteration = Math.Min(LastIteration, (report.Epoch + 1) * StepsPerEpoch), Model = report.Model, MeanIoU = report.MeanIoU,
            ClassIoU = [.. report.ClassIoU], ClassNames = report.ClassNames, Time = now,
        });
    }

    /// <summary>What a checkpoint at <paramref name="iteration"/> says of itself (the evaluated model: the student through the warm-up).</summary>
    public CheckpointInfo CheckpointInfo(long iteration, long seed, DateTimeOffset now) => new()
    {
        Iteration = iteration, Epoch = (int)Math.Min(Epochs - 1, Math.Max(0, iteration - 1) / StepsPerEpoch), Seed = seed,
        EvaluatedModel = Semi && iteration > WarmupIterations ? "teacher" : "student", BestMeanIoU = BestMeanIoU, LastMeanIoU = LastMeanIoU,
        Config = ConfigText, SavedAt = now,
    };

    public bool IsFinished => State is RunState.Completed or RunState.Stopped or RunState.Failed;
}
