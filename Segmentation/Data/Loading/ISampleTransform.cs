namespace U2PL.Segmentation.Data;

/// <summary>
/// Turns a loaded sample into network input. Implementations must be thread-safe and draw all randomness from the
/// sample key passed to <see cref="Apply"/> (see <see cref="SampleKey"/>). The augmentations of <c>U2PL.Segmentation.Augmentation</c>
/// implement it.
/// </summary>
public interface ISampleTransform
{
    /// <summary>Transforms <paramref name="sample"/> (which stays owned by the caller).</summary>
    TransformedSample Apply(SegmentationSample sample, SampleKey key);
}
