using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Method;

/// <summary>Label maps and masks brought to the representation's resolution with nearest neighbour (as the official code).</summary>
internal static class NearestResize
{
    /// <summary>(B, H, W) of any dtype → (B, h, w) of the same dtype.</summary>
    public static Tensor To(Tensor map, long height, long width)
    {
        using var scope = torch.NewDisposeScope();
        var type = map.dtype;
        var resized = functional.interpolate(map.unsqueeze(1).to(ScalarType.Float32), [height, width], mode: InterpolationMode.Nearest).squeeze(1);
        using var half = 0.5.ToScalar(); // held through the native call (README, "Implicit Scalars")
        return (type == ScalarType.Bool ? resized.gt(half) : resized.to(type)).MoveToOuterDisposeScope();
    }
}
