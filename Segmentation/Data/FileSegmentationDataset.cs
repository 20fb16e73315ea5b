namespace U2PL.Segmentation.Data;

/// <summary>
/// A dataset of image (and mask) files resolved through an <see cref="IDatasetLayout"/>. Stateless after
/// construction, so <see cref="Load"/> is thread-safe.
/// </summary>
public sealed class FileSegmentationDataset : ISegmentationDataset
{
    private readonly IReadOnlyList<SampleFiles> _samples;
    private readonly MaskColorMap? _colorMap;

    /// <summary>Creates a dataset over <paramref name="samples"/>; with <paramref name="withMasks"/> false masks are not read.</summary>
    public FileSegmentationDataset(string name, IReadOnlyList<string> classNames, IReadOnlyList<SampleFiles> samples, bool withMasks, MaskColorMap? colorMap = null)
    {
        if (classNames.Count is < 1 or > 255)
        {
            throw new ArgumentException($"a dataset needs 1..255 classes, got {classNames.Count}", nameof(classNames));
        }
        Name = name;
        ClassNames = classNames;
        _samples = samples;
        HasMasks = withMasks;
        _colorMap = colorMap;
    }

    /// <summary>Samples named by <paramref name="ids"/> under <paramref name="layout"/> (existence checked on load).</summary>
    public static FileSegmentationDataset FromIds(IDatasetLayout layout, IEnumerable<string> ids, bool withMasks, string? name = null) =>
        new(name ?? layout.Name, layout.ClassNames, ids.Select(layout.Resolve).ToArray(), withMasks, layout.ColorMap);

    /// <summary>
    /// Samples listed in a split file (official U2PL format); every named file is checked to exist now, and a missing
    /// one is a <see cref="SplitFileException"/> naming the split file, line and path.
    /// </summary>
    public static FileSegmentationDataset FromSplitFile(IDatasetLayout layout, string splitFile, bool withMasks, string? name = null) =>
        new(name ?? $"{layout.Name}:{Path.GetFileName(splitFile)}", layout.ClassNames,
            SplitFile.Resolve(splitFile, layout, withMasks), withMasks, layout.ColorMap);

    /// <inheritdoc />
    /// <summary>The same samples without their masks (nothing but the images is read): the unlabeled view of a split.</summary>
    public FileSegmentationDataset WithoutMasks() => new(Name, ClassNames, _samples, withMasks: false, _colorMap);

    ISegmentationDataset ISegmentationDataset.WithoutMasks() => WithoutMasks();

    public string Name { get; }

    /// <inheritdoc />
    public int Count => _samples.Count;

    /// <inheritdoc />
    public int ClassCount => ClassNames.Count;

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public bool HasMasks { get; }

    /// <summary>The files of sample <paramref name="index"/>.</summary>
    public SampleFiles GetFiles(int index) => _samples[index];

    /// <inheritdoc />
    public string GetId(int index) => _samples[index].Id;

    /// <inheritdoc />
    public SegmentationSample Load(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return SampleFileLoader.Load(index, _samples[index], ClassCount, _colorMap, HasMasks);
    }
}
