using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>Eq. 12: the positive z_c^+ of class c is the mean of the teacher's features over the anchor candidates.</summary>
public static class Prototype
{
    /// <param name="teacherRows">the teacher's features as (B, h, w, D)</param>
    /// <param name="candidates">the class's candidate pixels, (B, h, w) bool</param>
    /// <returns>(D), detached; null when there is no candidate</returns>
    public static Tensor? Of(Tensor teacherRows, Tensor candidates)
    {
        using var selected = teacherRows.index(candidates);
        if (selected.size(0) == 0)
        {
            return null;
        }
        using var _ = torch.no_grad();
        return selected.mean([0]);
    }
}
