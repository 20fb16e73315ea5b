namespace U2PL.Contracts;

/// <summary>
/// What a run page draws beyond the status: the loss curves (a bounded series of step points), every evaluation with
/// its per-class IoU, and the latest evaluation's prediction overlays.
/// </summary>
[GenerateSerializer]
public sealed record RunHistory
{
    [Id(1)] public string RunId { get; init; } = "";
    /// <summary>Step points in iteration order; thinned evenly once the run has more than a page can draw.</summary>
    [Id(2)] public List<StepPoint> Steps { get; init; } = [];
    [Id(3)] public List<EvaluationPoint> Evaluations { get; init; } = [];
    [Id(4)] public List<OverlayImage> Overlays { get; init; } = [];
}

/// <summary>One reported step: the losses and schedules the worker saw, and the run's throughput then.</summary>
[GenerateSerializer]
public sealed record StepPoint
{
    [Id(1)] public long Iteration { get; init; }
    [Id(2)] public double Seconds { get; init; }
    [Id(3)] public double SupervisedLoss { get; init; }
    [Id(4)] public double UnsupervisedLoss { get; init; }
    [Id(5)] public double ContrastiveLoss { get; init; }
    [Id(6)] public double LearningRate { get; init; }
    [Id(7)] public double ImagesPerSecond { get; init; }
    [Id(8)] public int Workers { get; init; }
}

/// <summary>A validation at an epoch's end.</summary>
[GenerateSerializer]
public sealed record EvaluationPoint
{
    [Id(1)] public int Epoch { get; init; }
    [Id(2)] public long Iteration { get; init; }
    /// <summary>student or teacher.</summary>
    [Id(3)] public string Model { get; init; } = "";
    [Id(4)] public double MeanIoU { get; init; }
    [Id(5)] public List<double> ClassIoU { get; init; } = [];
    [Id(6)] public List<string> ClassNames { get; init; } = [];
    [Id(7)] public DateTimeOffset Time { get; init; }
}

/// <summary>A validation image with its ground truth and the model's prediction, as one PNG.</summary>
[GenerateSerializer]
public sealed record OverlayImage
{
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public int Epoch { get; init; }
    [Id(3)] public byte[] Png { get; init; } = [];
}
