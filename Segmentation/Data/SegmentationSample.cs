using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Data;

/// <summary>
/// One loaded sample: an (H, W, 3) RGB uint8 image and, for labeled data, an (H, W) uint8 mask whose values are class
/// ids in [0, C) or 255 (ignore). The caller owns the tensors and disposes them with the sample.
/// </summary>
public sealed class SegmentationSample : IDisposable
{
    /// <summary>Creates a sample; takes ownership of the tensors.</summary>
    public SegmentationSample(int index, string id, Tensor image, Tensor? mask)
    {
        Index = index;
        Id = id;
        Image = image;
        Mask = mask;
    }

    /// <summary>Position of the sample in its dataset.</summary>
    public int Index { get; }

    /// <summary>Stable identifier: the line naming the sample in a split file (a stem, or a relative image path).</summary>
    public string Id { get; }

    /// <summary>(H, W, 3) uint8, RGB.</summary>
    public Tensor Image { get; }

    /// <summary>(H, W) uint8 class ids with 255 = ignore; null for an unlabeled sample.</summary>
    public Tensor? Mask { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height => (int)Image.size(0);

    /// <summary>Image width in pixels.</summary>
    public int Width => (int)Image.size(1);

    /// <summary>Disposes the image and the mask.</summary>
    public void Dispose()
    {
        Image.Dispose();
        Mask?.Dispose();
    }
}
