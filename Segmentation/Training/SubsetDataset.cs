using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Training;

/// <summary>The samples of a dataset at the given indices (a partition's labeled or unlabeled part).</summary>
public sealed class SubsetDataset(ISegmentationDataset source, IReadOnlyList<int> indices, string name) : ISegmentationDataset
{
    public string Name { get; } = name;

    public int Count => indices.Count;

    public int ClassCount => source.ClassCount;

    public IReadOnlyList<string> ClassNames => source.ClassNames;

    public bool HasMasks => source.HasMasks;

    public string GetId(int index) => source.GetId(indices[index]);

    public SegmentationSample Load(int index) => source.Load(indices[index]);

    public ISegmentationDataset WithoutMasks() => new SubsetDataset(source.WithoutMasks(), indices, Name);
}
