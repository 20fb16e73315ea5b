using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary>A labeled batch: normalized images (B, 3, H, W) and labels (B, H, W) int64 with 255 ignored.</summary>
public sealed record LabeledBatch(Tensor Images, Tensor Labels)
{
    /// <summary>The batch on <paramref name="device"/> (new tensors in the current dispose scope).</summary>
    public LabeledBatch to(Device device) => new(Images.to(device), Labels.to(device));
}

/// <summary>An unlabeled batch (weakly augmented): images (B, 3, H, W) and the pixels that are image, not padding (B, H, W) bool.</summary>
public sealed record UnlabeledBatch(Tensor Images, Tensor Valid)
{
    /// <summary>The batch on <paramref name="device"/> (new tensors in the current dispose scope).</summary>
    public UnlabeledBatch to(Device device) => new(Images.to(device), Valid.to(device));
}

/// <summary>
/// What one step measured. <see cref="LambdaU"/> is Eq. 8's adaptive weight and <see cref="Gamma"/> the entropy threshold
/// γt the step used (+∞ when no pixel was valid); both 0 in a supervised step, as <see cref="Alpha"/>.
/// </summary>
public sealed record StepMetrics(
    double SupervisedLoss,
    double UnsupervisedLoss,
    double ContrastiveLoss,
    double Alpha,
    double ReliableShare,
    double LearningRate,
    bool CutMixApplied,
    long NegativesPushed,
    TimeSpan MemoryBankTime,
    double LambdaU = 0,
    double Gamma = 0);
