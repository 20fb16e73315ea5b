namespace U2PL.Segmentation.Augmentation;

/// <summary>
/// The deterministic pixel work of an <see cref="AugmentationPlan"/> on an already scaled image: crop (padding with
/// the mean colour and the ignore label), horizontal flip, HWC → CHW, and mean/std normalization, in one pass.
/// </summary>
public static class CropKernel
{
    /// <summary>
    /// Writes the (3, OutputHeight, OutputWidth) normalized image into <paramref name="imageOut"/> and, when
    /// <paramref name="mask"/> is not empty, the (OutputHeight, OutputWidth) labels into <paramref name="labelOut"/>.
    /// <paramref name="rgb"/> is (ScaledHeight, ScaledWidth, 3) and <paramref name="mask"/> (ScaledHeight, ScaledWidth).
    /// </summary>
    public static void Apply(in AugmentationPlan plan, ReadOnlySpan<byte> rgb, ReadOnlySpan<byte> mask, Span<float> imageOut, Span<long> labelOut, ReadOnlySpan<float> normalizeTable, long ignoreIndex)
    {
        var (sh, sw, oh, ow) = (plan.ScaledHeight, plan.ScaledWidth, plan.OutputHeight, plan.OutputWidth);
        if (rgb.Length != sh * sw * 3 || imageOut.Length != 3 * oh * ow || normalizeTable.Length != 3 * 256)
        {
            throw new ArgumentException("buffer sizes do not match the plan");
        }
        var withMask = !mask.IsEmpty;
        if (withMask && (mask.Length != sh * sw || labelOut.Length != oh * ow))
        {
            throw new ArgumentException("mask buffer sizes do not match the plan");
        }
        var plane = oh * ow;
        // The pad colour is the mean, which normalizes to exactly 0.
        for (var y = 0; y < oh; y++)
        {
            var sy = plan.Top + y;
            var rowInside = (uint)sy < (uint)sh;
            for (var x = 0; x < ow; x++)
            {
                var sx = plan.Left + (plan.Flip ? ow - 1 - x : x);
                var o = y * ow + x;
                if (rowInside && (uint)sx < (uint)sw)
                {
                    var s = sy * sw + sx;
                    imageOut[o] = normalizeTable[rgb[3 * s]];
                    imageOut[plane + o] = normalizeTable[256 + rgb[3 * s + 1]];
                    imageOut[2 * plane + o] = normalizeTable[512 + rgb[3 * s + 2]];
                    if (withMask)
                    {
                        labelOut[o] = mask[s];
                    }
                }
                else
                {
                    imageOut[o] = 0f;
                    imageOut[plane + o] = 0f;
                    imageOut[2 * plane + o] = 0f;
                    if (withMask)
                    {
                        labelOut[o] = ignoreIndex;
                    }
                }
            }
        }
    }

    /// <summary>(v - mean[c]) / std[c] for every byte value v and channel c, as a 3×256 table.</summary>
    public static float[] NormalizeTable(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        var table = new float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
            {
                table[c * 256 + v] = (float)((v - mean[c]) / std[c]);
            }
        }
        return table;
    }
}
