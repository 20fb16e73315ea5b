using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Eq. 5–6: per-pixel entropy of the teacher's prediction and the split into reliable pixels (entropy below γt, the
/// 100·(1-αt) percentile of the entropy map, as np.percentile) and unreliable ones (above γt).
/// </summary>
public static class EntropyPartition
{
    /// <summary>Eq. 5: H(p) = -Σ_c p(c) log p(c) over dim 1 of (B, C, H, W) probabilities → (B, H, W).</summary>
    public static Tensor Entropy(Tensor probabilities)
    {
        using var scope = torch.NewDisposeScope();
        using var epsilon = 1e-10.ToScalar(); // held through the native call: an implicit Scalar can be freed by a finalizer mid-call (Sgd.step_with_live_scalars)
        using var one = 1.ToScalar();
        return probabilities.mul(probabilities.add(epsilon, alpha: one).log()).sum(1).neg().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// γt: the (100·(1-αt))-th percentile of the entropies of the valid pixels (linear interpolation, as numpy).
    /// With no valid pixel it is +∞ (everything reliable, nothing unreliable).
    /// </summary>
    public static double Threshold(Tensor entropy, Tensor valid, double alphaT)
    {
        if (alphaT is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(alphaT), alphaT, "αt is a proportion in [0, 1]");
        }
        using var values = entropy.masked_select(valid);
        if (values.numel() == 0)
        {
            return double.PositiveInfinity;
        }
        // q must have the input's dtype and device (a bare double would become a float64 CPU tensor, which libtorch refuses).
        using var q = torch.tensor(1 - alphaT, values.dtype, values.device);
        using var quantile = values.quantile(q);
        return quantile.item_double();
    }

    /// <summary>Eq. 6: reliable pixels are valid with H &lt; γt (their pseudo-label is kept).</summary>
    public static Tensor Reliable(Tensor entropy, Tensor valid, double gamma)
    {
        using var threshold = gamma.ToScalar(); // held through the native call (README, "Implicit Scalars")
        using var below = entropy.lt(threshold);
        return below.logical_and(valid);
    }

    /// <summary>Eq. 15's first factor: unreliable pixels are valid with H &gt; γt.</summary>
    public static Tensor Unreliable(Tensor entropy, Tensor valid, double gamma)
    {
        using var threshold = gamma.ToScalar(); // held through the native call (README, "Implicit Scalars")
        using var above = entropy.gt(threshold);
        return above.logical_and(valid);
    }
}
