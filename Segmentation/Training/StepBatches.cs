using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary>A labeled batch: normalized images (B, 3, H, W) and labels (B, H, W) int64 with 255 ignored.</summary>
public sealed record LabeledBatch(Tensor Images, Tensor Labels);

/// <summary>An unlabeled batch (weakly augmented): images (B, 3, H, W) and the pixels that are image, not padding (B, H, W) bool.</summary>
public sealed record UnlabeledBatch(Tensor Images, Tensor Valid);

/// <summary>What one step measured.</summary>
public sealed record StepMetrics(
    double SupervisedLoss,
    double UnsupervisedLoss,
    double ContrastiveLoss,
    double Alpha,
    double ReliableShare,
    double LearningRate,
    bool CutMixApplied,
    long NegativesPushed,
    TimeSpan MemoryBankTime);
