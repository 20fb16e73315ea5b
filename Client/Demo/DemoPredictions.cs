using U2PL.Client.Prediction;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Data.Images;

namespace U2PL.Client.Demo;

/// <summary>The demo's last step: the first validation images, their ground truth and the final model's masks as PNGs.</summary>
public static class DemoPredictions
{
    /// <summary>Writes <c>&lt;id&gt;.png</c>, <c>&lt;id&gt;_truth.png</c>, <c>&lt;id&gt;_mask.png</c> and <c>&lt;id&gt;_overlay.png</c>; returns the paths.</summary>
    public static List<string> Write(string checkpoint, DataOptions data, DatasetTypes datasetTypes, string directory, int count)
    {
        Directory.CreateDirectory(directory);
        using var predictor = SegmentationPredictor.Load(checkpoint);
        var validation = TrainingDatasets.OpenValidation(data, datasetTypes);
        var written = new List<string>();
        for (var i = 0; i < Math.Min(count, validation.Count); i++)
        {
            using var scope = torch.NewDisposeScope();
            using var sample = validation.Load(i);
            var stem = Path.Combine(directory, string.Concat(sample.Id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_')));
            ImageCodec.Write(stem + ".png", sample.Image);
            written.Add(stem + ".png");
            if (sample.Mask is { } mask)
            {
                ImageCodec.Write(stem + "_truth.png", predictor.Colour(mask));
                written.Add(stem + "_truth.png");
            }
            var (predicted, overlay) = predictor.Predict(sample.Image, stem);
            written.Add(predicted);
            written.Add(overlay);
        }
        return written;
    }
}
