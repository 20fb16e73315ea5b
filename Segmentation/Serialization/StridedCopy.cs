using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>Materializes a strided view (transposed, sliced with a step, expanded) as contiguous row-major bytes.</summary>
internal static class StridedCopy
{
    /// <summary>
    /// Copies the view (<paramref name="size"/>, <paramref name="stride"/>, in elements) whose first element is at
    /// byte 0 of <paramref name="source"/> into <paramref name="destination"/>, in row-major order.
    /// </summary>
    public static void Gather(ReadOnlySpan<byte> source, long[] size, long[] stride, int elementSize, Span<byte> destination)
    {
        if (size.Any(s => s == 0))
            return;
        if (size.Length == 0)
        {
            source[..elementSize].CopyTo(destination);
            return;
        }

        var inner = size.Length - 1;
        var innerCount = size[inner];
        var innerStride = stride[inner];
        var index = new long[size.Length];
        long written = 0;
        while (true)
        {
            long start = 0;
            for (var d = 0; d < inner; d++)
                start += index[d] * stride[d];

            if (innerStride == 1)
            {
                var run = (int)(innerCount * elementSize);
                source.Slice((int)(start * elementSize), run).CopyTo(destination.Slice((int)written, run));
                written += run;
            }
            else
            {
                for (long i = 0; i < innerCount; i++, written += elementSize)
                    source.Slice((int)((start + i * innerStride) * elementSize), elementSize).CopyTo(destination[(int)written..]);
            }

            // Advance the odometer over the outer dimensions.
            var dim = inner - 1;
            while (dim >= 0 && ++index[dim] == size[dim])
                index[dim--] = 0;
            if (dim < 0)
                return;
        }
    }

    /// <summary>Reverses the byte order of each element in place (for a checkpoint written on a big-endian machine).</summary>
    public static void SwapBytes(Span<byte> data, int elementSize)
    {
        if (elementSize == 1)
            return;
        for (var i = 0; i + elementSize <= data.Length; i += elementSize)
            data.Slice(i, elementSize).Reverse();
    }
}
