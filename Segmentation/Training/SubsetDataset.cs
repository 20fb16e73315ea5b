using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Training;

/// <summary>The samples of a dataset at the given indices (a partition's labeled or unlabeled part), optionally without masks.</summary>
public sealed class SubsetDataset(ISegmentationDataset source, IReadOnlyList<int> indices, string name, bool withMasks) : ISegmentationDataset
{
    public string Name { get; } = name;

    public int Count => indices.Count;

    public int ClassCount => source.ClassCount;

    public IReadOnlyList<string> ClassNames => source.ClassNames;

    public bool HasMasks => withMasks && source.HasMasks;

    public string GetId(int index) => source.GetId(indices[index]);

    public SegmentationSample Load(int index)
    {
        var sample = source.Load(indices[index]);
        if (withMasks || sample.Mask is null)
        {
            return sample;
        }
        // Unlabeled use: the mask is not ours to see.
        sample.Mask.Dispose();
        return new SegmentationSample(sample.Index, sample.Id, sample.Image, null);
    }
}
