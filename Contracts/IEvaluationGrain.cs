namespace U2PL.Contracts;

/// <summary>
/// Validates a run's checkpointed model on a GPU-role silo (key: the run id), off the state silo that coordinates the
/// run. <see cref="Start"/> returns at once; the run asks for the outcome with <see cref="Outcome"/> on its ticks and
/// sends the request again if this grain's silo died meanwhile (the outcome then says <see cref="EvaluationProgress.Unknown"/>).
/// </summary>
[Alias("u2pl.evaluation")]
public interface IEvaluationGrain : IGrainWithStringKey
{
    Task Start(EvaluationRequest request);

    Task<EvaluationOutcome> Outcome(long requestId);
}

/// <summary>One validation: the evaluated model's tensors (state-dict names) and the run's config (dataset, model, logging).</summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationRequest
{
    [Id(1)] public long RequestId { get; init; }
    [Id(2)] public string ConfigText { get; init; } = "";
    [Id(3)] public int Epoch { get; init; }
    [Id(4)] public long Iteration { get; init; }
    /// <summary>student or teacher: which of the checkpoint's models <see cref="Tensors"/> are.</summary>
    [Id(5)] public string Model { get; init; } = "";
    [Id(6)] public List<NamedTensor> Tensors { get; init; } = [];
    /// <summary>How many validation images to draw as prediction overlays (logging.tensorboard_images).</summary>
    [Id(7)] public int Overlays { get; init; }
}

public enum EvaluationProgress
{
    Running,
    Done,
    Failed,
    /// <summary>This activation never got the request (its silo died and it was activated again elsewhere).</summary>
    Unknown,
}

[GenerateSerializer]
public sealed record EvaluationOutcome
{
    [Id(1)] public EvaluationProgress Progress { get; init; }
    [Id(2)] public EvaluationReport? Report { get; init; }
    [Id(3)] public string Error { get; init; } = "";
}

/// <summary>What a validation measured, and the prediction overlays it drew (or why none).</summary>
[GenerateSerializer]
public sealed record EvaluationReport
{
    [Id(1)] public int Epoch { get; init; }
    [Id(2)] public long Iteration { get; init; }
    [Id(3)] public string Model { get; init; } = "";
    [Id(4)] public double MeanIoU { get; init; }
    [Id(5)] public double[] ClassIoU { get; init; } = [];
    [Id(6)] public double PixelAccuracy { get; init; }
    [Id(7)] public int Images { get; init; }
    [Id(8)] public List<string> ClassNames { get; init; } = [];
    [Id(9)] public List<OverlayPixels> Overlays { get; init; } = [];
    /// <summary>Why no overlays were drawn, if drawing failed (the measurement stands).</summary>
    [Id(10)] public string DrawingError { get; init; } = "";
    [Id(11)] public string Silo { get; init; } = "";
    [Id(12)] public double Seconds { get; init; }
}

/// <summary>A prediction overlay's RGB pixels (height × width × 3).</summary>
[GenerateSerializer, Immutable]
public sealed record OverlayPixels
{
    [Id(1)] public string SampleId { get; init; } = "";
    [Id(2)] public int Height { get; init; }
    [Id(3)] public int Width { get; init; }
    [Id(4)] public byte[] Pixels { get; init; } = [];
}
