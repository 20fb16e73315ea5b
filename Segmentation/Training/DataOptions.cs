using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;

namespace U2PL.Segmentation.Training;

/// <summary>The dataset section of a config (official keys where they exist).</summary>
public sealed record DataOptions
{
    /// <summary>The <see cref="IDatasetType"/> by name: camvid, pascal, cityscapes or folder (<see cref="DatasetTypes.Files"/>), or one a host registers (synthetic, U2PL.Synthetic, in u2pl and u2pl-silo).</summary>
    public string Type { get; init; } = "synthetic";

    /// <summary>Root folder of a file dataset (data_root).</summary>
    public string? Root { get; init; }

    /// <summary>The labeled share: "1/8", a count ("46"), or a U2PL split file (labeled.txt).</summary>
    public string Labeled { get; init; } = "1/8";

    /// <summary>A U2PL split file of unlabeled ids (default: every candidate not labeled).</summary>
    public string? UnlabeledFile { get; init; }

    /// <summary>Seed of the labeled/unlabeled partition.</summary>
    public long SplitSeed { get; init; }

    public string TrainSplit { get; init; } = "train";

    public string ValSplit { get; init; } = "val";

    /// <summary>
    /// The <c>dataset.synthetic</c> section, read here as plain settings for the synthetic scenes (U2PL.Synthetic):
    /// training pool size, validation size, seed and image size.
    /// </summary>
    public int SyntheticTrainCount { get; init; } = 2000;

    public int SyntheticValCount { get; init; } = 100;

    public long SyntheticSeed { get; init; }

    public int SyntheticHeight { get; init; } = 128;

    public int SyntheticWidth { get; init; } = 160;

    /// <summary>The synthetic scenes' class count (U2PL.Synthetic's SyntheticClasses): <c>net.num_classes</c>' default for them.</summary>
    public const int SyntheticClassCount = 8;

    public AugmentationOptions TrainAugmentation { get; init; } = AugmentationOptions.WithCrop(128);

    /// <summary>Evaluation normalization (and center crop / sliding window size).</summary>
    public AugmentationOptions ValAugmentation { get; init; } = new();

    public int? ValCropSize { get; init; }

    public EvaluationMode ValMode { get; init; } = EvaluationMode.Center;

    public int BatchSize { get; init; } = 4;

    public int Workers { get; init; } = 1;

    public int Prefetch { get; init; } = 2;

    public BadSamplePolicy OnBadSample { get; init; } = BadSamplePolicy.Fail;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        // The type's own checks (data_root, the synthetic sizes) are IDatasetType.Validate's, where it is opened.
        if (string.IsNullOrWhiteSpace(Type)) problems.Add("dataset.type: required");
        if (BatchSize < 1) problems.Add($"dataset.batch_size must be at least 1, got {BatchSize}");
        if (Workers < 1) problems.Add($"dataset.workers must be at least 1, got {Workers}");
        if (Prefetch < 1) problems.Add($"dataset.prefetch must be at least 1, got {Prefetch}");
        problems.AddRange(TrainAugmentation.Validate().Select(p => $"dataset.train: {p}"));
        if (!TrainAugmentation.HasCrop) problems.Add("dataset.train.crop.size: a training crop size is required (batches need one size)");
        return problems;
    }
}
