using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Data.Images;

namespace U2PL.Client.Prediction;

/// <summary>
/// Segments images with the model a checkpoint evaluates with and writes colour-palette PNGs: <c>&lt;name&gt;_mask.png</c>
/// and <c>&lt;name&gt;_overlay.png</c> (what <c>u2pl predict</c> and the demo write).
/// </summary>
public sealed class SegmentationPredictor : IDisposable
{
    private readonly DeepLabV3Plus _model;
    private readonly SegmentationTransform _transform = SegmentationTransform.Eval(new AugmentationOptions());
    private readonly byte[] _palette;

    private SegmentationPredictor(DeepLabV3Plus model)
    {
        _model = model;
        _model.eval();
        _palette = PredictionOverlays.Palette(model.Options.NumClasses);
    }

    /// <summary>The model of a training checkpoint (file or run directory) or of a weights file.</summary>
    public static SegmentationPredictor Load(string checkpoint) => new(TrainingCheckpoint.LoadEvaluatedModel(TrainingCheckpoint.Resolve(checkpoint)));

    /// <summary>Segments an image file into <paramref name="directory"/>, files named after the image.</summary>
    public (string Mask, string Overlay) PredictFile(string file, string directory)
    {
        using var image = ImageCodec.Read(file);
        return Predict(image, Path.Combine(directory, Path.GetFileNameWithoutExtension(file)));
    }

    /// <summary>Segments an H×W×3 uint8 image into <c>{stem}_mask.png</c> and <c>{stem}_overlay.png</c>.</summary>
    public (string Mask, string Overlay) Predict(Tensor image, string stem)
    {
        using var scope = torch.NewDisposeScope();
        var classes = PredictionOverlays.Predict(_model, _transform, image, Path.GetFileName(stem));
        var colours = Colour(classes);
        var (mask, blended) = (stem + "_mask.png", stem + "_overlay.png");
        ImageCodec.Write(mask, colours);
        ImageCodec.Write(blended, PredictionOverlays.Blend(image, colours));
        return (mask, blended);
    }

    /// <summary>An H×W class map (255 = ignore, shown black) as an H×W×3 palette image.</summary>
    public Tensor Colour(Tensor classes) => PredictionOverlays.Colour(classes, _palette);

    public void Dispose() => _model.Dispose();
}
