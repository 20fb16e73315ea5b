using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Data.Images;
using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Evaluation;

/// <summary>
/// Colours class maps (the PASCAL VOC palette, which extends to any class count) and draws a model's predictions on
/// validation images: what <c>u2pl predict</c>, the demo and the TensorBoard logs show.
/// </summary>
public static class PredictionOverlays
{
    /// <summary>
    /// The first <paramref name="count"/> samples of <paramref name="validation"/> with ground truth and prediction of
    /// <paramref name="model"/> (in eval mode, without gradients, on its device), each image first scaled so that its
    /// longer side is at most <paramref name="maxSide"/> pixels.
    /// </summary>
    public static IReadOnlyList<PredictionOverlay> Render(DeepLabV3Plus model, ISegmentationDataset validation, int count,
        AugmentationOptions? normalization = null, int maxSide = 512)
    {
        var transform = SegmentationTransform.Eval((normalization ?? new AugmentationOptions()) with { CropHeight = null, CropWidth = null });
        var palette = Palette(model.Options.NumClasses);
        var overlays = new List<PredictionOverlay>();
        for (var i = 0; i < Math.Min(count, validation.Count); i++)
        {
            using var scope = torch.NewDisposeScope();
            using var sample = validation.Load(i);
            var (image, mask) = Fit(sample.Image, sample.Mask, maxSide);
            var classes = Predict(model, transform, image, sample.Id);
            var panels = new List<Tensor> { image, Blend(image, Colour(classes, palette)) };
            if (mask is not null)
            {
                panels.Insert(1, Blend(image, Colour(mask, palette)));
            }
            var drawn = torch.cat(panels, 1).contiguous();
            overlays.Add(new PredictionOverlay(sample.Id, (int)drawn.size(0), (int)drawn.size(1), drawn.ToArray<byte>()));
        }
        return overlays;
    }

    /// <summary>
    /// The per-pixel classes <paramref name="model"/> predicts for an (H, W, 3) uint8 image, (H, W) int64 on the CPU,
    /// in the current dispose scope.
    /// </summary>
    public static Tensor Predict(DeepLabV3Plus model, SegmentationTransform transform, Tensor image, string id = "")
    {
        model.eval();
        using var _ = torch.no_grad();
        using var sample = new SegmentationSample(0, id, image.alias(), null);
        using var prepared = transform.Apply(sample, new SampleKey(0, 0, 0, 0));
        using var output = model.forward(prepared.Image.unsqueeze(0).to(model.Device), representation: false);
        using var logits = functional.interpolate(output.Prediction, [image.size(0), image.size(1)], mode: InterpolationMode.Bilinear, align_corners: true);
        return logits.argmax(1).squeeze(0).cpu();
    }

    /// <summary>Half image, half colour: an (H, W, 3) uint8 image and a same-size colour map.</summary>
    public static Tensor Blend(Tensor image, Tensor colours)
    {
        using var half = 0.5.ToScalar(); // held through the native calls (README, "Implicit Scalars")
        return image.to(ScalarType.Float32).mul(half).add(colours.to(ScalarType.Float32), alpha: half).to(ScalarType.Byte);
    }

    /// <summary>An (H, W) class map (ids outside the palette, e.g. 255 = ignore, shown black) as an (H, W, 3) uint8 image.</summary>
    public static Tensor Colour(Tensor classes, byte[] palette)
    {
        var count = palette.Length / 3;
        using var colourCount = count.ToScalar(); // held through the native calls (README, "Implicit Scalars")
        using var first = 0.ToScalar();
        using var last = (count - 1).ToScalar();
        var valid = classes.lt(colourCount);
        var index = classes.to(ScalarType.Int64).clamp(first, last);
        var colours = torch.tensor(palette, [count, 3]).index_select(0, index.flatten()).view(classes.size(0), classes.size(1), 3);
        return colours.mul(valid.unsqueeze(2).to(ScalarType.Byte));
    }

    /// <summary>The PASCAL VOC colour map (bit-interleaved class id), which extends to any class count.</summary>
    public static byte[] Palette(int classes)
    {
        var palette = new byte[classes * 3];
        for (var c = 0; c < classes; c++)
        {
            int r = 0, g = 0, b = 0, id = c;
            for (var bit = 7; bit >= 0; bit--)
            {
                r |= ((id >> 0) & 1) << bit;
                g |= ((id >> 1) & 1) << bit;
                b |= ((id >> 2) & 1) << bit;
                id >>= 3;
            }
            palette[3 * c] = (byte)r;
            palette[3 * c + 1] = (byte)g;
            palette[3 * c + 2] = (byte)b;
        }
        return palette;
    }

    private static (Tensor Image, Tensor? Mask) Fit(Tensor image, Tensor? mask, int maxSide)
    {
        var (height, width) = (image.size(0), image.size(1));
        var scale = Math.Min(1.0, maxSide / (double)Math.Max(height, width));
        if (scale >= 1)
        {
            return (image, mask);
        }
        var (h, w) = ((long)Math.Max(1, Math.Round(height * scale)), (long)Math.Max(1, Math.Round(width * scale)));
        return (ImageCodec.Resize(image, h, w), mask is null ? null : ImageCodec.Resize(mask, h, w, ImageInterpolation.Nearest));
    }
}
