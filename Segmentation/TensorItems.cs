using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation;

/// <summary>
/// PyTorch's <c>t.item()</c>: the number in a one-element tensor, on any device. TorchSharp 0.107's <c>t.ToDouble()</c>
/// (and <c>ToInt64</c>, <c>ToBoolean</c>) is <c>t.ToScalar().ToDouble()</c>, whose Scalar is unreachable once its
/// handle is passed, so a collection on another thread may free it while libtorch reads it (README, "Implicit
/// Scalars"); here it is held until the number is read.
/// </summary>
public static class TensorItems
{
    public static double item_double(this Tensor tensor)
    {
        using var scalar = tensor.ToScalar();
        return scalar.ToDouble();
    }

    public static long item_long(this Tensor tensor)
    {
        using var scalar = tensor.ToScalar();
        return scalar.ToInt64();
    }

    public static bool item_bool(this Tensor tensor)
    {
        using var scalar = tensor.ToScalar();
        return scalar.ToBoolean();
    }
}
