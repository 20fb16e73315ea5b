using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Augmentation;

/// <summary>
/// The geometric decisions for one sample, drawn up front from its <see cref="SampleKey"/>: scaled size, padding,
/// crop window and flip. Separating the draw from the pixel work (<see cref="CropKernel"/>) keeps the randomness a
/// pure function of the key.
/// </summary>
/// <param name="ScaledHeight">Height after the random scale.</param>
/// <param name="ScaledWidth">Width after the random scale.</param>
/// <param name="OutputHeight">Height of the output (the crop size, or the scaled height without a crop).</param>
/// <param name="OutputWidth">Width of the output.</param>
/// <param name="Top">Row of the scaled image at output row 0 (negative inside the top padding).</param>
/// <param name="Left">Column of the scaled image at output column 0 (before the flip).</param>
/// <param name="Flip">Whether the output is mirrored horizontally.</param>
public readonly record struct AugmentationPlan(int ScaledHeight, int ScaledWidth, int OutputHeight, int OutputWidth, int Top, int Left, bool Flip)
{
    /// <summary>Draws the plan for an image of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static AugmentationPlan Draw(int height, int width, AugmentationOptions options, AugmentationMode mode, SampleKey key)
    {
        var random = key.CreateRandom();
        var scale = mode == AugmentationMode.Eval ? 1.0 : DrawScale(ref random, options);
        var (sh, sw) = (Math.Max(1, (int)(height * scale)), Math.Max(1, (int)(width * scale)));
        if (!options.HasCrop)
        {
            var flipOnly = mode != AugmentationMode.Eval && random.NextBool(options.FlipProbability);
            return new AugmentationPlan(sh, sw, sh, sw, 0, 0, flipOnly);
        }
        var (ch, cw) = (options.CropHeight!.Value, options.CropWidth!.Value);
        // As the official Crop: pad symmetrically to at least the crop size, then pick the window in the padded image.
        var (padH, padW) = (Math.Max(ch - sh, 0), Math.Max(cw - sw, 0));
        var (paddedH, paddedW) = (sh + padH, sw + padW);
        int offsetY, offsetX;
        if (mode == AugmentationMode.Eval)
        {
            (offsetY, offsetX) = ((paddedH - ch) / 2, (paddedW - cw) / 2);
        }
        else
        {
            offsetY = random.Next(paddedH - ch + 1);
            offsetX = random.Next(paddedW - cw + 1);
        }
        var flip = mode != AugmentationMode.Eval && random.NextBool(options.FlipProbability);
        return new AugmentationPlan(sh, sw, ch, cw, offsetY - padH / 2, offsetX - padW / 2, flip);
    }

    // As the official RandResize: half the time a shrink in [min, 1), half the time a zoom in [1, max).
    private static double DrawScale(ref DeterministicRandom random, AugmentationOptions options)
    {
        var (min, max) = (options.ScaleMin, options.ScaleMax);
        if (min >= 1 || max <= 1)
        {
            return random.NextDouble(min, max);
        }
        return random.NextBool(0.5) ? random.NextDouble(min, 1.0) : random.NextDouble(1.0, max);
    }
}
