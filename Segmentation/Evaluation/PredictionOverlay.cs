using U2PL.Segmentation.Data.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Evaluation;

/// <summary>
/// A validation image drawn for a person: the image | its ground truth blended with the class colours | the prediction
/// blended the same way, side by side. Plain bytes, so it can cross threads and outlive the model that drew it.
/// </summary>
/// <param name="SampleId">the validation sample's id</param>
/// <param name="Height">image height in pixels</param>
/// <param name="Width">image width in pixels (three panels)</param>
/// <param name="Pixels">(H, W, 3) RGB, row-major</param>
public sealed record PredictionOverlay(string SampleId, int Height, int Width, byte[] Pixels)
{
    /// <summary>The (H, W, 3) uint8 image as a new tensor (in the current dispose scope).</summary>
    public Tensor ToTensor() => torch.tensor(Pixels, [Height, Width, 3]);

    /// <summary>The image as PNG bytes (for a file or a web page).</summary>
    public byte[] ToPng()
    {
        using var scope = torch.NewDisposeScope();
        return ImageCodec.Encode(ToTensor());
    }
}
