using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Data;

/// <summary>
/// A batch handed to the training step: images (B, 3, H, W) float32, labels (B, H, W) int64 (null for unlabeled
/// data), and which samples it holds. The consumer owns it and disposes it.
/// </summary>
public sealed class SegmentationBatch : IDisposable
{
    /// <summary>Creates a batch; takes ownership of the tensors.</summary>
    public SegmentationBatch(int epoch, int batchIndex, Tensor images, Tensor? labels, IReadOnlyList<int> indices, IReadOnlyList<string> ids)
    {
        Epoch = epoch;
        BatchIndex = batchIndex;
        Images = images;
        Labels = labels;
        Indices = indices;
        Ids = ids;
    }

    /// <summary>The epoch the batch belongs to.</summary>
    public int Epoch { get; }

    /// <summary>Position of the batch within its epoch (0-based).</summary>
    public int BatchIndex { get; }

    /// <summary>(B, 3, H, W) float32, normalized.</summary>
    public Tensor Images { get; }

    /// <summary>(B, H, W) int64, 255 = ignore; null for unlabeled data.</summary>
    public Tensor? Labels { get; }

    /// <summary>Dataset indices of the samples actually loaded (a skipped bad sample is replaced by another index).</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Sample ids, parallel to <see cref="Indices"/>.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Indices.Count;

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels?.Dispose();
    }
}
