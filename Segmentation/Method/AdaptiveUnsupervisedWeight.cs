using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>Eq. 8: λu = η · (|Bu|·H·W) / (number of reliable pixels); 0 when no pixel is reliable.</summary>
public static class AdaptiveUnsupervisedWeight
{
    public static double Lambda(Tensor reliable, double eta = 1)
    {
        using var count = reliable.sum();
        var reliableCount = count.item_double();
        return reliableCount == 0 ? 0 : eta * reliable.numel() / reliableCount;
    }
}
