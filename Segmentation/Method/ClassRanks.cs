using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>O_ij(c): the rank of class c in the teacher's probabilities at each pixel (0 = the most probable class).</summary>
public static class ClassRanks
{
    /// <summary>(B, C, h, w) probabilities → (B, C, h, w) int64 ranks.</summary>
    public static Tensor Of(Tensor probabilities)
    {
        using var order = probabilities.argsort(1, descending: true);
        return order.argsort(1);
    }
}
