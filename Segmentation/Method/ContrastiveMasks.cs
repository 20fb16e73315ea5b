using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Which unlabeled pixels may be anchors and which negatives, per <see cref="ContrastiveVariant"/>, at the images'
/// resolution. Paper: anchors are the reliable pixels (H &lt; γt, Eq. 6), negatives the unreliable ones (Eq. 15), and no
/// labeled pixel is a negative candidate beyond Eq. 14's rank test. Official: anchors are the lowest-αc entropy pixels,
/// negatives the highest-αc ones (its low/high entropy masks, αc from trainer.contrastive.low_entropy_threshold), and
/// every valid labeled pixel is in both masks.
/// </summary>
public static class ContrastiveMasks
{
    /// <param name="entropy">the teacher's entropy on the unlabeled images, (Bu, H, W)</param>
    /// <param name="valid">valid unlabeled pixels, (Bu, H, W) bool</param>
    /// <param name="reliable">Eq. 6's reliable pixels, (Bu, H, W) bool</param>
    /// <param name="gamma">γt of Eq. 6</param>
    public static (Tensor AnchorUnlabeled, Tensor NegativeUnlabeled) Paper(Tensor entropy, Tensor valid, Tensor reliable, double gamma) =>
        (reliable.alias(), EntropyPartition.Unreliable(entropy, valid, gamma));

    /// <param name="entropy">the teacher's entropy on the unlabeled images, (Bu, H, W)</param>
    /// <param name="valid">valid unlabeled pixels, (Bu, H, W) bool</param>
    /// <param name="alpha">αc, the share of valid pixels in each mask</param>
    public static (Tensor AnchorUnlabeled, Tensor NegativeUnlabeled) Official(Tensor entropy, Tensor valid, double alpha)
    {
        // Held through the native calls: an implicit Scalar can be freed by a finalizer mid-call (Sgd.step_with_live_scalars).
        using var low = EntropyPartition.Threshold(entropy, valid, 1 - alpha).ToScalar();
        using var high = EntropyPartition.Threshold(entropy, valid, alpha).ToScalar();
        using var lowEntropy = entropy.le(low);
        using var highEntropy = entropy.ge(high);
        return (lowEntropy.logical_and(valid), highEntropy.logical_and(valid));
    }
}
