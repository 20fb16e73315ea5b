using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Data.Images;
using static TorchSharp.torch.nn;

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
        _model.Decoder.ComputeRepresentation = false;
        _palette = Palette(model.Options.NumClasses);
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
        using var _ = torch.no_grad();
        using var sample = new SegmentationSample(0, Path.GetFileName(stem), image.alias(), null);
        using var prepared = _transform.Apply(sample, new SampleKey(0, 0, 0, 0));
        using var output = _model.forward(prepared.Image.unsqueeze(0));
        var classes = functional.interpolate(output.Prediction, [image.size(0), image.size(1)], mode: InterpolationMode.Bilinear, align_corners: true).argmax(1).squeeze(0);
        var colours = Colour(classes);
        var overlay = image.to(ScalarType.Float32).mul(0.5).add(colours.to(ScalarType.Float32).mul(0.5)).to(ScalarType.Byte);
        var (mask, blended) = (stem + "_mask.png", stem + "_overlay.png");
        ImageCodec.Write(mask, colours);
        ImageCodec.Write(blended, overlay);
        return (mask, blended);
    }

    /// <summary>An H×W class map (255 = ignore, shown black) as an H×W×3 palette image.</summary>
    public Tensor Colour(Tensor classes)
    {
        var valid = classes.lt(_palette.Length / 3);
        var index = classes.clamp_max(_palette.Length / 3 - 1).to(ScalarType.Int64);
        var colours = torch.tensor(_palette, _palette.Length / 3, 3).index_select(0, index.flatten()).view(classes.size(0), classes.size(1), 3);
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

    public void Dispose() => _model.Dispose();
}
