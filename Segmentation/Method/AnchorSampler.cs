using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Eq. 9–11: the anchor candidates of class c, A_c = A_c^l ∪ A_c^u, are the pixels labeled c (ground truth, or a
/// reliable pseudo-label) whose teacher probability of c exceeds δp; M anchors are drawn from them with replacement.
/// </summary>
public static class AnchorSampler
{
    /// <summary>A_c as a (B, h, w) mask.</summary>
    public static Tensor Candidates(Tensor labels, Tensor anchorMask, Tensor classProbability, long c, double threshold)
    {
        using var classScalar = c.ToScalar(); // held through the native calls (README, "Implicit Scalars")
        using var thresholdScalar = threshold.ToScalar();
        using var isClass = labels.eq(classScalar);
        using var confident = classProbability.gt(thresholdScalar);
        using var labeledC = isClass.logical_and(anchorMask);
        return labeledC.logical_and(confident);
    }

    /// <summary>
    /// M rows of <paramref name="candidateFeatures"/> (K, D) drawn uniformly with replacement, the indices from the
    /// micro-batch's CPU generator on every device (see <see cref="ClassMemoryBank"/>).
    /// </summary>
    public static Tensor Sample(Tensor candidateFeatures, long m, Generator generator)
    {
        using var drawn = torch.randint(0, candidateFeatures.size(0), [m], generator: generator);
        using var indices = drawn.to(candidateFeatures.device);
        return candidateFeatures.index_select(0, indices);
    }
}
