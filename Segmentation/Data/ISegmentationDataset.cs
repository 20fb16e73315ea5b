namespace U2PL.Segmentation.Data;

/// <summary>
/// A segmentation dataset: a fixed list of samples, each loaded on demand. <see cref="Load"/> must be safe to call from
/// several threads at once (prefetch threads load in parallel).
/// </summary>
public interface ISegmentationDataset
{
    /// <summary>Short name for logs ("camvid/train").</summary>
    string Name { get; }

    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Number of classes C; mask values lie in [0, C) or are 255.</summary>
    int ClassCount { get; }

    /// <summary>Class names, index = class id.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Whether samples carry masks (false for an unlabeled list).</summary>
    bool HasMasks { get; }

    /// <summary>The identifier of sample <paramref name="index"/> without loading it.</summary>
    string GetId(int index);

    /// <summary>
    /// Loads sample <paramref name="index"/>. A sample that cannot be used throws <see cref="BadSampleException"/>
    /// naming the file and the problem.
    /// </summary>
    SegmentationSample Load(int index);

    /// <summary>The same samples, loaded without their masks (the unlabeled view: no mask decode).</summary>
    ISegmentationDataset WithoutMasks();
}
