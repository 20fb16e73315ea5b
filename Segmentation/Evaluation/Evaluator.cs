using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Evaluation;

/// <summary>How validation images are fed to the model.</summary>
public enum EvaluationMode
{
    /// <summary>The whole image (center-cropped when a crop size is given), one forward each (VOC).</summary>
    Center,
    /// <summary>Overlapping crop-size windows (stride 2/3 of the crop), softmax averaged (Cityscapes).</summary>
    Sliding,
}

/// <summary>The result of one evaluation.</summary>
public sealed record EvaluationResult(double MeanIoU, double[] ClassIoU, double PixelAccuracy, int Images);

/// <summary>
/// mIoU of a model over a labeled dataset, in eval mode and without gradients, on the model's device (images and
/// labels are moved there; only the confusion counts come back).
/// </summary>
public sealed class Evaluator(EvaluationMode mode, AugmentationOptions normalization, int? cropSize = null)
{
    public EvaluationResult Evaluate(DeepLabV3Plus model, ISegmentationDataset dataset, Action<int, int>? progress = null)
    {
        var matrix = new ConfusionMatrix(model.Options.NumClasses, normalization.IgnoreIndex);
        var centerCrop = mode == EvaluationMode.Center && cropSize is { } size ? normalization with { CropHeight = size, CropWidth = size } : normalization with { CropHeight = null, CropWidth = null };
        var transform = SegmentationTransform.Eval(centerCrop);
        var device = model.Device;
        model.eval();
        using var _ = torch.no_grad();
        for (var i = 0; i < dataset.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            using var sample = dataset.Load(i);
            using var prepared = transform.Apply(sample, new SampleKey(0, 0, 0, i));
            if (prepared.Label is null)
            {
                throw new InvalidOperationException($"{dataset.Name}: sample '{sample.Id}' has no mask to evaluate against");
            }
            var image = prepared.Image.unsqueeze(0).to(device);
            var probabilities = mode == EvaluationMode.Sliding && cropSize is { } window ? Sliding(model, image, window) : Whole(model, image);
            matrix.Add(probabilities.argmax(1).squeeze(0), prepared.Label.to(device));
            progress?.Invoke(i + 1, dataset.Count);
        }
        return new EvaluationResult(matrix.MeanIoU(), matrix.IoU(), matrix.PixelAccuracy(), dataset.Count);
    }

    private static Tensor Whole(DeepLabV3Plus model, Tensor image)
    {
        using var output = model.forward(image, representation: false);
        return functional.interpolate(output.Prediction, [image.size(2), image.size(3)], mode: InterpolationMode.Bilinear, align_corners: true).softmax(1);
    }

    /// <summary>Windows of crop size at stride ⌈2/3·crop⌉ (the last one flush with the border), probabilities averaged.</summary>
    private static Tensor Sliding(DeepLabV3Plus model, Tensor image, int crop)
    {
        var height = image.size(2);
        var width = image.size(3);
        var padBottom = Math.Max(0, crop - height);
        var padRight = Math.Max(0, crop - width);
        var padded = padBottom + padRight > 0 ? functional.pad(image, [0, padRight, 0, padBottom]) : image;
        var h = padded.size(2);
        var w = padded.size(3);
        var stride = (long)Math.Ceiling(crop * 2 / 3.0);
        var sum = torch.zeros([1, model.Options.NumClasses, h, w], device: image.device);
        var count = torch.zeros([1, 1, h, w], device: image.device);
        using var one = 1.ToScalar(); // held through the native calls (README, "Implicit Scalars"); a + b passes alpha = 1 too
        for (long top = 0; ; top += stride)
        {
            var y = Math.Min(top, h - crop);
            for (long left = 0; ; left += stride)
            {
                var x = Math.Min(left, w - crop);
                using var window = padded.narrow(2, y, crop).narrow(3, x, crop);
                using var probabilities = Whole(model, window);
                using var sumWindow = sum.narrow(2, y, crop).narrow(3, x, crop);
                sumWindow.add_(probabilities, alpha: one);
                using var countWindow = count.narrow(2, y, crop).narrow(3, x, crop);
                countWindow.add_(one, alpha: one);
                if (x + crop >= w) break;
            }
            if (y + crop >= h) break;
        }
        return sum.div(count).narrow(2, 0, height).narrow(3, 0, width);
    }
}
