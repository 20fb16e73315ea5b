using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Eq. 3 with Eq. 6 and 8: Lu = λu · CE(student logits, ŷu) where the unreliable (and invalid) pixels of ŷu are
/// ignored, exactly as the official compute_unsupervised_loss (CE averaged over the kept pixels, then weighted).
/// </summary>
public static class UnsupervisedLoss
{
    /// <param name="logits">student logits on the (strongly augmented) unlabeled images, (B, C, H, W)</param>
    /// <param name="pseudoLabels">teacher argmax, (B, H, W) int64</param>
    /// <param name="reliable">pixels whose pseudo-label is kept, (B, H, W) bool</param>
    /// <param name="eta">η of Eq. 8</param>
    public static Tensor Compute(Tensor logits, Tensor pseudoLabels, Tensor reliable, double eta = 1)
    {
        using var scope = torch.NewDisposeScope();
        var lambda = AdaptiveUnsupervisedWeight.Lambda(reliable, eta);
        if (lambda == 0)
        {
            // No reliable pixel: a zero that keeps the graph (and the gradient shapes) of the student.
            return logits.sum().mul(0).MoveToOuterDisposeScope();
        }
        var target = pseudoLabels.masked_fill(reliable.logical_not(), 255);
        var loss = functional.cross_entropy(logits, target, ignore_index: 255);
        return loss.mul(lambda).MoveToOuterDisposeScope();
    }
}
