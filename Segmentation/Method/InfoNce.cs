using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Eq. 4 for one class: -mean_i log( e^{⟨z_i, z+⟩/τ} / (e^{⟨z_i, z+⟩/τ} + Σ_j e^{⟨z_i, z_ij⁻⟩/τ}) ) with cosine ⟨·,·⟩,
/// computed as cross-entropy over [positive, negatives] with the positive at index 0 (as the official code).
/// </summary>
public static class InfoNce
{
    /// <param name="anchors">student features of the sampled anchors, (M, D)</param>
    /// <param name="positive">the class prototype, (D)</param>
    /// <param name="negatives">negatives per anchor, (M, N, D)</param>
    /// <param name="temperature">τ</param>
    public static Tensor Loss(Tensor anchors, Tensor positive, Tensor negatives, double temperature)
    {
        using var scope = torch.NewDisposeScope();
        var m = anchors.size(0);
        var positives = positive.view(1, 1, -1).expand(m, 1, -1);
        var keys = torch.cat([positives, negatives], 1);
        using var tau = temperature.ToScalar(); // held through the native call (Sgd.step_with_live_scalars)
        var logits = functional.cosine_similarity(anchors.unsqueeze(1), keys, dim: 2).div(tau);
        var target = torch.zeros([m], ScalarType.Int64, device: anchors.device);
        return functional.cross_entropy(logits, target).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Appendix C, Eq. A1 for one class: the binary alternative, -mean_{i,j} log( e^{s+/τ} / (e^{s+/τ} + e^{s⁻_ij/τ}) )
/// = mean softplus((s⁻_ij - s+_i)/τ).
/// </summary>
public static class BinaryContrastiveLoss
{
    public static Tensor Loss(Tensor anchors, Tensor positive, Tensor negatives, double temperature)
    {
        using var scope = torch.NewDisposeScope();
        var positiveSimilarity = functional.cosine_similarity(anchors, positive.unsqueeze(0).expand(anchors.size(0), -1), dim: 1);
        var negativeSimilarity = functional.cosine_similarity(anchors.unsqueeze(1), negatives, dim: 2);
        using var minusOne = (-1).ToScalar(); // held through the native call: an implicit Scalar can be freed by a finalizer mid-call (Sgd.step_with_live_scalars)
        using var tau = temperature.ToScalar();
        var margin = negativeSimilarity.add(positiveSimilarity.unsqueeze(1), alpha: minusOne).div(tau);
        // log(1 + e^x) = BCE-with-logits against 0, computed stably by libtorch.
        return functional.binary_cross_entropy_with_logits(margin, torch.zeros_like(margin)).MoveToOuterDisposeScope();
    }
}
