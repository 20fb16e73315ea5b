using System.Text.Json.Serialization;

namespace U2PL.Segmentation.Training;

/// <summary>The JSON half of a checkpoint: where the run stood, and what it was.</summary>
public sealed record CheckpointInfo
{
    [JsonPropertyName("iteration")] public long Iteration { get; init; }

    [JsonPropertyName("epoch")] public int Epoch { get; init; }

    [JsonPropertyName("seed")] public long Seed { get; init; }

    /// <summary>"teacher" once the semi-supervised phase has begun, "student" before (as official evaluation).</summary>
    [JsonPropertyName("evaluated_model")] public string EvaluatedModel { get; init; } = "student";

    [JsonPropertyName("best_miou")] public double BestMeanIoU { get; init; }

    [JsonPropertyName("last_miou")] public double? LastMeanIoU { get; init; }

    /// <summary>The resolved config (YAML text, --set overrides applied), so that a resume trains the same run.</summary>
    [JsonPropertyName("config")] public string Config { get; init; } = "";

    [JsonPropertyName("bad_samples_skipped")] public long BadSamplesSkipped { get; init; }

    [JsonPropertyName("saved_at")] public DateTimeOffset SavedAt { get; init; }
}
