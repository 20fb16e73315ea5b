namespace U2PL.Segmentation.Data;

/// <summary>
/// Cityscapes fine annotations: <c>leftImg8bit/&lt;split&gt;/&lt;city&gt;/&lt;name&gt;_leftImg8bit.png</c> with
/// <c>gtFine/&lt;split&gt;/&lt;city&gt;/&lt;name&gt;_gtFine_labelTrainIds.png</c> (19 classes, 255 = ignore). Split-file
/// ids are image paths relative to the root, as in the official U2PL split files.
/// </summary>
public sealed class CityscapesDataset : IDatasetLayout
{
    private const string ImageSuffix = "_leftImg8bit.png";
    private const string MaskSuffix = "_gtFine_labelTrainIds.png";

    /// <summary>The layout rooted at <paramref name="root"/> (the folder holding leftImg8bit/ and gtFine/).</summary>
    public CityscapesDataset(string root) => Root = root;

    /// <inheritdoc />
    public string Name => "cityscapes";

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => ClassList.Cityscapes;

    /// <inheritdoc />
    public MaskColorMap? ColorMap => null;

    /// <inheritdoc />
    public SampleFiles Resolve(string id)
    {
        var relative = id.Replace('\\', '/');
        if (!relative.StartsWith("leftImg8bit/", StringComparison.Ordinal) || !relative.EndsWith(ImageSuffix, StringComparison.Ordinal))
        {
            throw new FormatException($"Cityscapes id '{id}' must look like leftImg8bit/<split>/<city>/<name>{ImageSuffix}");
        }
        var mask = "gtFine/" + relative["leftImg8bit/".Length..^ImageSuffix.Length] + MaskSuffix;
        return new SampleFiles(relative, Path.Combine(Root, relative), Path.Combine(Root, mask));
    }

    /// <summary>The ids of every image of <paramref name="split"/>, sorted (ordinal) for a stable order.</summary>
    public IReadOnlyList<string> SplitIds(string split)
    {
        var folder = Path.Combine(Root, "leftImg8bit", split);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cityscapes split folder not found: '{folder}'");
        }
        return Directory.EnumerateFiles(folder, "*" + ImageSuffix, SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Opens every image of <paramref name="split"/> ("train", "val").</summary>
    public static FileSegmentationDataset Open(string root, string split, bool withMasks = true)
    {
        var layout = new CityscapesDataset(root);
        return FileSegmentationDataset.FromIds(layout, layout.SplitIds(split), withMasks, $"cityscapes/{split}");
    }

    /// <summary>Opens the samples of an official-format split file (e.g. <c>data/splits/cityscapes/744/labeled.txt</c>).</summary>
    public static FileSegmentationDataset Open(string root, string splitFile, bool withMasks, string? name) =>
        FileSegmentationDataset.FromSplitFile(new CityscapesDataset(root), splitFile, withMasks, name);
}
