namespace U2PL.Segmentation.Data;

/// <summary>
/// The CamVid layout of <c>shared/datasets/camvid-180x240</c>: <c>images/&lt;split&gt;/&lt;stem&gt;.jpg</c>,
/// <c>masks/&lt;split&gt;/&lt;stem&gt;.png</c> (single-channel ids, 255 = void), <c>&lt;split&gt;.txt</c> (stems),
/// <c>classes.txt</c> (one name per line). Split-file ids are stems.
/// </summary>
public sealed class CamVidDataset : IDatasetLayout
{
    /// <summary>The layout of <paramref name="split"/> under <paramref name="root"/>; reads classes.txt.</summary>
    public CamVidDataset(string root, string split)
    {
        Root = root;
        Split = split;
        ClassNames = ClassList.Read(Path.Combine(root, "classes.txt"));
    }

    /// <summary>The split folder name ("train", "val").</summary>
    public string Split { get; }

    /// <inheritdoc />
    public string Name => $"camvid/{Split}";

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public MaskColorMap? ColorMap => null;

    /// <summary>The split's own list file, <c>&lt;root&gt;/&lt;split&gt;.txt</c>.</summary>
    public string SplitListPath => Path.Combine(Root, Split + ".txt");

    /// <inheritdoc />
    public SampleFiles Resolve(string id) => new(id,
        Path.Combine(Root, "images", Split, id + ".jpg"),
        Path.Combine(Root, "masks", Split, id + ".png"));

    /// <summary>Opens the whole split as listed in <c>&lt;split&gt;.txt</c> (files checked to exist).</summary>
    public static FileSegmentationDataset Open(string root, string split, bool withMasks = true)
    {
        var layout = new CamVidDataset(root, split);
        return FileSegmentationDataset.FromSplitFile(layout, layout.SplitListPath, withMasks, layout.Name);
    }
}
