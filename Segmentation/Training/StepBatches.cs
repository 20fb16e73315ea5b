using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary>A labeled batch: normalized images (B, 3, H, W) and labels (B, H, W) int64 with 255 ignored.</summary>
public sealed record LabeledBatch(Tensor Images, Tensor Labels)
{
    /// <summary>The batch on <paramref name="device"/> (new tensors in the current dispose scope).</summary>
    public LabeledBatch to(Device device) => new(Images.to(device), Labels.to(device));

    /// <summary>Micro-batch <paramref name="index"/> of <paramref name="count"/> equal slices (views, in order).</summary>
    public LabeledBatch MicroBatch(int index, int count) => count == 1 ? this : new(Slice(Images, index, count), Slice(Labels, index, count));

    internal static Tensor Slice(Tensor batch, int index, int count)
    {
        var size = batch.size(0) / count;
        return batch.narrow(0, index * size, size);
    }
}

/// <summary>An unlabeled batch (weakly augmented): images (B, 3, H, W) and the pixels that are image, not padding (B, H, W) bool.</summary>
public sealed record UnlabeledBatch(Tensor Images, Tensor Valid)
{
    /// <summary>The batch on <paramref name="device"/> (new tensors in the current dispose scope).</summary>
    public UnlabeledBatch to(Device device) => new(Images.to(device), Valid.to(device));

    /// <summary>Micro-batch <paramref name="index"/> of <paramref name="count"/> equal slices (views, in order).</summary>
    public UnlabeledBatch MicroBatch(int index, int count) =>
        count == 1 ? this : new(LabeledBatch.Slice(Images, index, count), LabeledBatch.Slice(Valid, index, count));
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
    double Gamma = 0)
{
    /// <summary>A step's metrics from its micro-batches': losses, shares, λu and γt averaged; pushes and bank time summed.</summary>
    public static StepMetrics Combine(IReadOnlyList<StepMetrics> parts) => parts.Count == 1 ? parts[0] : new(
        parts.Average(p => p.SupervisedLoss), parts.Average(p => p.UnsupervisedLoss), parts.Average(p => p.ContrastiveLoss),
        parts[0].Alpha, parts.Average(p => p.ReliableShare), parts[0].LearningRate, parts.Any(p => p.CutMixApplied),
        parts.Sum(p => p.NegativesPushed), parts.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.MemoryBankTime),
        parts.Average(p => p.LambdaU), parts.Average(p => p.Gamma));
}
