using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Eq. 13–16: the negatives of class c. In labeled images: valid pixels not labeled c among whose top rl classes c
/// is (0 ≤ O(c) &lt; rl, Eq. 14); in unlabeled images: unreliable pixels (H &gt; γt) where c ranks in [rl, rh) (Eq. 15).
/// (Eq. 14 does not exclude ignored pixels; we do, as their features are those of padding or void.)
/// </summary>
public static class NegativeSelector
{
    /// <param name="labels">(B, h, w) int64, 255 invalid</param>
    /// <param name="classRank">O(c) per pixel, (B, h, w)</param>
    /// <param name="unreliable">(B, h, w) bool, used for the unlabeled rows</param>
    /// <param name="labeledCount">the first rows that are labeled</param>
    /// <param name="c">the class whose negatives are selected</param>
    /// <param name="lowRank">rl</param>
    /// <param name="highRank">rh (already clamped to the class count)</param>
    public static Tensor Mask(Tensor labels, Tensor classRank, Tensor unreliable, long labeledCount, long c, int lowRank, int highRank)
    {
        using var scope = torch.NewDisposeScope();
        // Held through the native calls (README, "Implicit Scalars").
        using var classScalar = c.ToScalar();
        using var ignored = 255.ToScalar();
        using var low = lowRank.ToScalar();
        using var high = highRank.ToScalar();
        var batch = labels.size(0);
        var parts = new List<Tensor>(2);
        if (labeledCount > 0)
        {
            var labeledRows = labels.narrow(0, 0, labeledCount);
            var notC = labeledRows.ne(classScalar).logical_and(labeledRows.ne(ignored));
            parts.Add(notC.logical_and(classRank.narrow(0, 0, labeledCount).lt(low)));
        }
        if (batch > labeledCount)
        {
            var rank = classRank.narrow(0, labeledCount, batch - labeledCount);
            var inBand = rank.ge(low).logical_and(rank.lt(high));
            parts.Add(inBand.logical_and(unreliable.narrow(0, labeledCount, batch - labeledCount)));
        }
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }
}
