using TorchSharp;
using U2PL.Segmentation.Data;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// The strong augmentation of unlabeled images (official generate_unsup_data, mode cutmix): for each sample i, a box of
/// half the image's area is filled with sample i+1 (cyclically); pseudo-labels, confidences and the valid-pixel mask
/// are mixed the same way. Box sizes and places come from the micro-batch's <see cref="DeterministicRandom"/>.
/// </summary>
public static class CutMix
{
    /// <summary>(H, W) float mask: 0 inside the box, 1 outside (official generate_cutout_mask, ratio 2).</summary>
    public static Tensor BoxMask(int height, int width, ref DeterministicRandom random)
    {
        var area = height * width / 2.0;
        var boxWidth = random.Next(width / 2 + 1, Math.Max(width / 2 + 2, width));
        var boxHeight = (int)Math.Min(height, Math.Round(area / boxWidth));
        var x = random.Next(0, width - boxWidth + 1);
        var y = random.Next(0, height - boxHeight + 1);
        var mask = new float[height * width];
        Array.Fill(mask, 1f);
        for (var row = y; row < y + boxHeight; row++)
        {
            Array.Fill(mask, 0f, row * width + x, boxWidth);
        }
        return torch.tensor(mask, height, width);
    }

    /// <summary>Mixes each sample with the next one inside its box; returns new tensors (the inputs are untouched).</summary>
    /// <param name="images">(B, 3, H, W)</param>
    /// <param name="labels">(B, H, W) int64</param>
    /// <param name="confidences">(B, H, W) float</param>
    /// <param name="valid">(B, H, W) bool</param>
    /// <param name="random">draws the boxes (seeded by the caller)</param>
    public static (Tensor Images, Tensor Labels, Tensor Confidences, Tensor Valid) Mix(Tensor images, Tensor labels, Tensor confidences,
        Tensor valid, ref DeterministicRandom random)
    {
        using var scope = torch.NewDisposeScope();
        var batch = (int)images.size(0);
        var height = (int)images.size(2);
        var width = (int)images.size(3);
        var boxes = new List<Tensor>(batch);
        for (var i = 0; i < batch; i++)
        {
            boxes.Add(BoxMask(height, width, ref random));
        }
        var keep = torch.stack(boxes);
        var order = Enumerable.Range(0, batch).Select(i => (long)((i + 1) % batch)).ToArray();
        var next = torch.tensor(order, device: images.device);
        using var half = 0.5.ToScalar(); // held through the native call (README, "Implicit Scalars")
        var keepBool = keep.gt(half).to(images.device);

        var mixedImages = torch.where(keepBool.unsqueeze(1), images, images.index_select(0, next));
        var mixedLabels = torch.where(keepBool, labels, labels.index_select(0, next));
        var mixedConfidences = torch.where(keepBool, confidences, confidences.index_select(0, next));
        var mixedValid = torch.where(keepBool, valid, valid.index_select(0, next));
        return (mixedImages.MoveToOuterDisposeScope(), mixedLabels.MoveToOuterDisposeScope(),
            mixedConfidences.MoveToOuterDisposeScope(), mixedValid.MoveToOuterDisposeScope());
    }
}
