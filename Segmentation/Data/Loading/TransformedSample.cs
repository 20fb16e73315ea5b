using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Data;

/// <summary>A sample ready for the network: (3, H, W) float32 normalized image and (H, W) int64 labels (or none).</summary>
public sealed class TransformedSample : IDisposable
{
    /// <summary>Creates the sample; takes ownership of the tensors.</summary>
    public TransformedSample(Tensor image, Tensor? label)
    {
        Image = image;
        Label = label;
    }

    /// <summary>(3, H, W) float32.</summary>
    public Tensor Image { get; }

    /// <summary>(H, W) int64 class ids with 255 = ignore, or null for unlabeled data.</summary>
    public Tensor? Label { get; }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Image.Dispose();
        Label?.Dispose();
    }
}
