
namespace U2PL.Contracts;

/// <summary>The run's life: pending → warm-up → semi → completed, with paused, stopped and failed on the side.</summary>
public enum RunState
{
    Pending,
    WarmUp,
    Semi,
    Paused,
    Completed,
    Stopped,
    Failed,
}

/// <summary>What <c>u2pl run start</c> sends: the resolved YAML config and the desired workers.</summary>
[GenerateSerializer]
public sealed record RunSpec
{
    [Id(1)] public string ConfigText { get; init; } = "";
    [Id(2)] public WorkerTarget Workers { get; init; } = new();
    /// <summary>Where the config came from, for messages.</summary>
    [Id(3)] public string ConfigSource { get; init; } = "";
    /// <summary>A checkpoint (file or run directory) to resume from, or empty.</summary>
    [Id(4)] public string ResumeFrom { get; init; } = "";
}

/// <summary>A worker count, or auto (one per free GPU slot in the cluster).</summary>
[GenerateSerializer]
public sealed record WorkerTarget
{
    [Id(1)] public int Count { get; init; } = 1;
    [Id(2)] public bool Auto { get; init; }

    public override string ToString() => Auto ? "auto" : Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A run's status as shown by <c>u2pl run status</c>.</summary>
[GenerateSerializer]
public sealed record RunStatus
{
    [Id(1)] public string RunId { get; init; } = "";
    [Id(2)] public RunState State { get; init; }
    [Id(3)] public string Message { get; init; } = "";
    [Id(4)] public WorkerTarget Desired { get; init; } = new();
    [Id(5)] public int DesiredResolved { get; init; }
    [Id(6)] public long Iteration { get; init; }
    [Id(7)] public long TotalIterations { get; init; }
    [Id(8)] public int Epoch { get; init; }
    [Id(9)] public int Epochs { get; init; }
    [Id(10)] public long SamplesDone { get; init; }
    [Id(11)] public double SecondsElapsed { get; init; }
    [Id(12)] public double EtaSeconds { get; init; }
    [Id(13)] public double SupervisedLoss { get; init; }
    [Id(14)] public double UnsupervisedLoss { get; init; }
    [Id(15)] public double ContrastiveLoss { get; init; }
    [Id(16)] public double Alpha { get; init; }
    [Id(17)] public double LearningRate { get; init; }
    [Id(18)] public List<WorkerInfo> Workers { get; init; } = [];
    [Id(19)] public List<long> BankFill { get; init; } = [];
    [Id(20)] public long BankCapacity { get; init; }
    [Id(21)] public double? LastMeanIoU { get; init; }
    [Id(22)] public double BestMeanIoU { get; init; }
    [Id(23)] public string LastCheckpoint { get; init; } = "";
    [Id(24)] public List<RunEvent> RecentEvents { get; init; } = [];
    [Id(25)] public string OutputDirectory { get; init; } = "";
    [Id(26)] public long StaleGradients { get; init; }
    [Id(27)] public double ImagesPerSecond { get; init; }
    [Id(28)] public List<GrainPlacement> Placement { get; init; } = [];
    [Id(29)] public List<EpochCoverage> Coverage { get; init; } = [];
    /// <summary>cluster.mode: "sync" (a step is <see cref="MicroBatches"/> micro-batches behind a barrier) or "async".</summary>
    [Id(30)] public string Mode { get; init; } = "";
    /// <summary>Micro-batches a step is cut into (trainer.micro_batches in sync mode; 1 in async mode).</summary>
    [Id(31)] public int MicroBatches { get; init; } = 1;
    /// <summary>Sync mode: seconds the workers together waited at the step barrier per step, the mean over the last completed steps.</summary>
    [Id(32)] public double BarrierWaitSeconds { get; init; }
    /// <summary>Sync mode: that wait's share (0..1) of the workers' time on those steps (waiting plus computing their micro-batches).</summary>
    [Id(33)] public double BarrierWaitShare { get; init; }
    /// <summary>Sync mode: which worker computed which micro-batch of the last few completed steps, by step then micro-batch.</summary>
    [Id(34)] public List<MicroBatchAssignment> MicroBatchAssignments { get; init; } = [];
    /// <summary>Bytes of tensors the parameter-server shards and memory banks took from and published to the silos' data plane (0: every tensor went in Orleans messages).</summary>
    [Id(35)] public long DataPlaneBytes { get; init; }

    public bool IsFinished => State is RunState.Completed or RunState.Stopped or RunState.Failed;
}

/// <summary>Sync mode: the worker whose accepted gradient was micro-batch <see cref="MicroBatch"/> of step <see cref="Iteration"/>.</summary>
[GenerateSerializer]
public sealed record MicroBatchAssignment
{
    [Id(1)] public long Iteration { get; init; }
    [Id(2)] public int MicroBatch { get; init; }
    [Id(3)] public string WorkerKey { get; init; } = "";
    /// <summary>Seconds that worker waited at the barrier before this lease.</summary>
    [Id(4)] public double BarrierWaitSeconds { get; init; }
    /// <summary>Seconds that worker took for the micro-batch (compute and communication).</summary>
    [Id(5)] public double StepSeconds { get; init; }
}

/// <summary>What a line of a run's event log is about (shown and written as its snake_case name).</summary>
public enum RunEventKind
{
    Started,
    Restored,
    Warning,
    Scaled,
    Paused,
    Resumed,
    Joined,
    Left,
    Failed,
    Capacity,
    Checkpoint,
    Evaluated,
    Error,
    Completed,
    Stopped,
}

/// <summary>One line of a run's event log.</summary>
[GenerateSerializer]
public sealed record RunEvent
{
    [Id(1)] public long Sequence { get; init; }
    [Id(2)] public DateTimeOffset Time { get; init; }
    [Id(3)] public RunEventKind Kind { get; init; }
    [Id(4)] public string Message { get; init; } = "";
    [Id(5)] public long Iteration { get; init; }
}

/// <summary>A line of <c>u2pl run list</c>.</summary>
[GenerateSerializer]
public sealed record RunSummary
{
    [Id(1)] public string RunId { get; init; } = "";
    [Id(2)] public RunState State { get; init; }
    [Id(3)] public string ConfigSource { get; init; } = "";
    [Id(4)] public DateTimeOffset Created { get; init; }
    [Id(5)] public long Iteration { get; init; }
    [Id(6)] public long TotalIterations { get; init; }
    [Id(7)] public double? LastMeanIoU { get; init; }
}

/// <summary>A run config that does not validate: every problem, listed at once.</summary>
[GenerateSerializer, Alias("u2pl.RunConfigException")]
public sealed class RunConfigException : Exception
{
    public RunConfigException() { }

    public RunConfigException(string message) : base(message) { }

    public RunConfigException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A run id that does not exist.</summary>
[GenerateSerializer, Alias("u2pl.UnknownRunException")]
public sealed class UnknownRunException : Exception
{
    public UnknownRunException() { }

    public UnknownRunException(string message) : base(message) { }

    public UnknownRunException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Where one of a run's grains is activated.</summary>
[GenerateSerializer]
public sealed record GrainPlacement
{
    [Id(1)] public string Grain { get; init; } = "";
    [Id(2)] public string Silo { get; init; } = "";
}

/// <summary>A worker could not be placed: no GPU-role silo has a free GPU slot (the run emits a <c>capacity</c> event).</summary>
[GenerateSerializer, Alias("u2pl.no-free-gpu-slot")]
public sealed class NoFreeGpuSlotException : Exception
{
    public NoFreeGpuSlotException() { }

    public NoFreeGpuSlotException(string message) : base(message) { }

    public NoFreeGpuSlotException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A call's tensors exceed the message size limit (the message names it); nothing was sent.</summary>
[GenerateSerializer, Alias("u2pl.payload-too-large")]
public sealed class PayloadTooLargeException : Exception
{
    public PayloadTooLargeException() { }

    public PayloadTooLargeException(string message) : base(message) { }

    public PayloadTooLargeException(string message, Exception inner) : base(message, inner) { }
}
