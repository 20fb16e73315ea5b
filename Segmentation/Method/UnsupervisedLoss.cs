using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Eq. 3 with Eq. 6: Lu = CE(student logits, ŷu) where the unreliable (and invalid) pixels of ŷu are ignored, as the
/// official compute_unsupervised_loss (CE averaged over the kept pixels). Unweighted: λu (Eq. 8) is Eq. 1's.
/// </summary>
public static class UnsupervisedLoss
{
    /// <param name="logits">student logits on the (strongly augmented) unlabeled images, (B, C, H, W)</param>
    /// <param name="pseudoLabels">teacher argmax, (B, H, W) int64</param>
    /// <param name="reliable">pixels whose pseudo-label is kept, (B, H, W) bool</param>
    public static Tensor Compute(Tensor logits, Tensor pseudoLabels, Tensor reliable)
    {
        using var scope = torch.NewDisposeScope();
        if (!reliable.any().item_bool())
        {
            // No reliable pixel: a zero that keeps the graph (and the gradient shapes) of the student.
            using var zero = 0.ToScalar(); // held through the native call (Sgd.step_with_live_scalars)
            return logits.sum().mul(zero).MoveToOuterDisposeScope();
        }
        using var ignored = 255.ToScalar();
        var target = pseudoLabels.masked_fill(reliable.logical_not(), ignored);
        return functional.cross_entropy(logits, target, ignore_index: 255).MoveToOuterDisposeScope();
    }
}
