
namespace U2PL.Contracts;

/// <summary>What a worker needs to join a run.</summary>
[GenerateSerializer]
public sealed record WorkerAssignment
{
    [Id(1)] public string RunId { get; init; } = "";
    [Id(2)] public string ConfigText { get; init; } = "";
    [Id(3)] public int Shards { get; init; }
    /// <summary>libtorch threads of this worker (0: the silo's cores divided by its GPU slots).</summary>
    [Id(4)] public int Threads { get; init; }
}

/// <summary>What a worker is doing.</summary>
public enum WorkerState
{
    Starting,
    Training,
    /// <summary>No step to lease: every micro-batch of the open step is out (sync), or the run is between epochs.</summary>
    Idle,
    /// <summary>No step to lease: the run is paused or at a checkpoint barrier.</summary>
    Held,
    /// <summary>A call failed (a silo died); it tries again after a pause.</summary>
    Retrying,
    Stopped,
    Failed,
}

/// <summary>Why a worker's loop ended.</summary>
public enum WorkerStopReason
{
    /// <summary>Every iteration of the run is done.</summary>
    Finished,
    /// <summary>The run answered a report with <see cref="WorkerDirective.Stop"/> (scaled down, or the run ended).</summary>
    Directed,
    /// <summary>Its grain was told to stop (<c>run scale</c>, <c>run stop</c>) or deactivated (silo shutdown).</summary>
    Requested,
    /// <summary>An error it could not recover from.</summary>
    Failed,
}

/// <summary>A worker's notice that its loop ended: why, and the detail to log.</summary>
[GenerateSerializer]
public sealed record WorkerStop
{
    [Id(1)] public WorkerStopReason Reason { get; init; }
    [Id(2)] public string Detail { get; init; } = "";
}

/// <summary>A worker as the run sees it.</summary>
[GenerateSerializer]
public sealed record WorkerInfo
{
    [Id(1)] public string WorkerKey { get; init; } = "";
    [Id(2)] public string Silo { get; init; } = "";
    [Id(3)] public WorkerState State { get; init; }
    [Id(4)] public double ImagesPerSecond { get; init; }
    /// <summary>Versions the weights of its last gradient were behind the parameter server when applied.</summary>
    [Id(5)] public long Staleness { get; init; }
    [Id(6)] public long Steps { get; init; }
    [Id(7)] public DateTimeOffset LastReport { get; init; }
    [Id(8)] public string Error { get; init; } = "";
    /// <summary>Seconds per step spent moving weights, gradients and negatives (the cluster's overhead).</summary>
    [Id(9)] public double CommunicationSeconds { get; init; }
    [Id(10)] public double StepSeconds { get; init; }
    [Id(11)] public long BytesPerStep { get; init; }
    /// <summary>Sync mode: the last micro-batch it computed, as "t/m".</summary>
    [Id(12)] public string LastMicroBatch { get; init; } = "";
    /// <summary>Sync mode: seconds per lease spent waiting at the step barrier (the others' micro-batches of the step before).</summary>
    [Id(13)] public double BarrierWaitSeconds { get; init; }
}

/// <summary>A worker's report after a step.</summary>
[GenerateSerializer]
public sealed record WorkerReport
{
    [Id(1)] public WorkerInfo Worker { get; init; } = new();
    [Id(2)] public long Iteration { get; init; }
    [Id(3)] public int Images { get; init; }
    [Id(4)] public double SupervisedLoss { get; init; }
    [Id(5)] public double UnsupervisedLoss { get; init; }
    [Id(6)] public double ContrastiveLoss { get; init; }
    [Id(7)] public double Alpha { get; init; }
    [Id(8)] public double LearningRate { get; init; }
    [Id(9)] public bool Accepted { get; init; }
    /// <summary>λu of Eq. 8 in this step (0 in a supervised step).</summary>
    [Id(10)] public double LambdaU { get; init; }
    /// <summary>γt, the entropy threshold this step used (0 in a supervised step, +∞ when no pixel was valid).</summary>
    [Id(11)] public double Gamma { get; init; }
    /// <summary>Sync mode: the micro-batch of <see cref="Iteration"/> this report is about.</summary>
    [Id(12)] public int MicroBatch { get; init; }
    /// <summary>Sync mode: seconds the worker waited for the step to open (the others' micro-batches) before this lease.</summary>
    [Id(13)] public double BarrierWaitSeconds { get; init; }
}

/// <summary>The run's answer to a report.</summary>
public enum WorkerDirective
{
    Continue,
    Stop,
}

/// <summary>One step's samples: a global iteration's labeled and unlabeled indices.</summary>
[GenerateSerializer]
public sealed record BatchLease
{
    [Id(1)] public long LeaseId { get; init; }
    [Id(2)] public long Iteration { get; init; }
    [Id(3)] public int Epoch { get; init; }
    [Id(4)] public int[] Labeled { get; init; } = [];
    [Id(5)] public int[] Unlabeled { get; init; } = [];
    [Id(6)] public DateTimeOffset Deadline { get; init; }
    /// <summary>Sync mode: which of the step's <see cref="MicroBatches"/> micro-batches the indices are (0 of 1 in async mode).</summary>
    [Id(7)] public int MicroBatch { get; init; }
    [Id(8)] public int MicroBatches { get; init; } = 1;
    /// <summary>Sync mode: the run's state generation when the lease was handed out; pushes carry it.</summary>
    [Id(9)] public long Generation { get; init; }
}

/// <summary>Why no lease was handed out.</summary>
public enum LeaseStatus
{
    Granted,
    /// <summary>Paused or at a checkpoint barrier: ask again shortly.</summary>
    Held,
    /// <summary>Every iteration is leased out: ask again shortly (one may expire).</summary>
    Exhausted,
    /// <summary>Every iteration is done.</summary>
    Finished,
}

[GenerateSerializer]
public sealed record LeaseReply
{
    [Id(1)] public LeaseStatus Status { get; init; }
    [Id(2)] public BatchLease? Lease { get; init; }
}

[GenerateSerializer]
public sealed record DispenserSetup
{
    [Id(1)] public string RunId { get; init; } = "";
    [Id(2)] public long Seed { get; init; }
    [Id(3)] public int LabeledCount { get; init; }
    [Id(4)] public int UnlabeledCount { get; init; }
    [Id(5)] public int BatchSize { get; init; }
    [Id(6)] public long StepsPerEpoch { get; init; }
    [Id(7)] public int Epochs { get; init; }
    /// <summary>The last iteration to hand out (exclusive): the schedule's end or trainer.max_iterations.</summary>
    [Id(8)] public long LastIteration { get; init; }
    [Id(9)] public long CompletedIterations { get; init; }
    [Id(10)] public double LeaseTimeoutSeconds { get; init; }
    [Id(11)] public bool Semi { get; init; }
    /// <summary>The run's checkpoint directory: a reactivated dispenser resumes from its latest checkpoint.</summary>
    [Id(12)] public string CheckpointDirectory { get; init; } = "";
    /// <summary>Sync mode: each step is leased as this many micro-batches, and step t + 1 opens once all of step t are done; 0: async.</summary>
    [Id(13)] public int MicroBatches { get; init; }
    /// <summary>Sync mode: the run's state generation (see <see cref="ShardSetup.Generation"/>).</summary>
    [Id(14)] public long Generation { get; init; }
}

/// <summary>Global progress and per-epoch coverage.</summary>
[GenerateSerializer]
public sealed record DispenserProgress
{
    /// <summary>Iterations below this are all done.</summary>
    [Id(1)] public long CompletedThrough { get; init; }
    [Id(2)] public long Completed { get; init; }
    [Id(3)] public long Outstanding { get; init; }
    [Id(4)] public long LastIteration { get; init; }
    [Id(5)] public List<EpochCoverage> Epochs { get; init; } = [];
    [Id(6)] public bool Held { get; init; }
}

[GenerateSerializer]
public sealed record EpochCoverage
{
    [Id(1)] public int Epoch { get; init; }
    [Id(2)] public long Steps { get; init; }
    [Id(3)] public long StepsDone { get; init; }
    [Id(4)] public long SamplesDone { get; init; }
    [Id(5)] public long Reissued { get; init; }
    [Id(6)] public long Duplicated { get; init; }
    [Id(7)] public long Returned { get; init; }

    public double Coverage => Steps == 0 ? 0 : (double)StepsDone / Steps;
}
