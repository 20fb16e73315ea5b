using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Method;

/// <summary>Eq. 2: Ls, cross-entropy ignoring 255; or OHEM (Cityscapes) as the official OhemCrossEntropy2dTensor.</summary>
public sealed record SupervisedLoss(bool Ohem = false, double OhemThreshold = 0.7, long OhemMinKept = 100_000)
{
    public Tensor Compute(Tensor logits, Tensor labels)
    {
        if (!Ohem)
        {
            return functional.cross_entropy(logits, labels, ignore_index: 255);
        }
        using var scope = torch.NewDisposeScope();
        // Held through the native calls (README, "Implicit Scalars").
        using var ignored = 255.ToScalar();
        using var zero = 0.ToScalar();
        using var one = 1.ToScalar();
        // Keep the pixels whose probability of their true class is below the threshold, and at least min_kept of the
        // hardest ones; the others are ignored.
        var valid = labels.ne(ignored);
        var validCount = valid.sum().item_long();
        if (validCount == 0)
        {
            return logits.sum().mul(zero).MoveToOuterDisposeScope();
        }
        Tensor target;
        using (torch.no_grad())
        {
            var probabilities = logits.softmax(1);
            var invalid = valid.logical_not();
            var trueProbability = probabilities.gather(1, labels.masked_fill(invalid, zero).unsqueeze(1)).squeeze(1).masked_fill(invalid, one);
            var kept = Math.Min(OhemMinKept, validCount);
            var (sorted, _) = trueProbability.flatten().sort();
            using var threshold = Math.Max(sorted.narrow(0, kept - 1, 1).item_double(), OhemThreshold).ToScalar();
            var hard = trueProbability.le(threshold).logical_and(valid);
            target = labels.masked_fill(hard.logical_not(), ignored);
        }
        return functional.cross_entropy(logits, target, ignore_index: 255).MoveToOuterDisposeScope();
    }
}
