using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>Overflow-checked size arithmetic shared by the readers and the writer.</summary>
internal static class TensorShape
{
    /// <summary>The product of the dimensions, or null when one is negative or the product overflows.</summary>
    public static long? ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
                return null;
            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        return count;
    }

    /// <summary>Elements × element size, or null on overflow.</summary>
    public static long? ByteLength(long elementCount, ScalarType dtype)
    {
        try
        {
            return checked(elementCount * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>Row-major (contiguous) strides, in elements, for <paramref name="shape"/>.</summary>
    public static long[] ContiguousStrides(IReadOnlyList<long> shape)
    {
        var strides = new long[shape.Count];
        long stride = 1;
        for (var i = shape.Count - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Math.Max(shape[i], 1);
        }
        return strides;
    }
}
