namespace U2PL.Segmentation.Data;

/// <summary>
/// A generic layout: <c>images/&lt;stem&gt;.{jpg,jpeg,png,bmp}</c> with <c>masks/&lt;stem&gt;.png</c> (single-channel
/// ids, 255 = ignore), class names in <c>classes.txt</c>, and optional split lists of stems. Split-file ids are stems.
/// </summary>
public sealed class FolderDataset : IDatasetLayout
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>The layout rooted at <paramref name="root"/>; classes from <paramref name="classNames"/> or classes.txt.</summary>
    public FolderDataset(string root, IReadOnlyList<string>? classNames = null, string imagesFolder = "images", string masksFolder = "masks")
    {
        Root = root;
        ImagesFolder = Path.Combine(root, imagesFolder);
        MasksFolder = Path.Combine(root, masksFolder);
        ClassNames = classNames ?? ClassList.Read(Path.Combine(root, "classes.txt"));
    }

    /// <summary>Folder of the images.</summary>
    public string ImagesFolder { get; }

    /// <summary>Folder of the masks.</summary>
    public string MasksFolder { get; }

    /// <inheritdoc />
    public string Name => $"folder:{Path.GetFileName(Path.TrimEndingDirectorySeparator(Root))}";

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public MaskColorMap? ColorMap => null;

    /// <inheritdoc />
    public SampleFiles Resolve(string id)
    {
        var image = ImageExtensions.Select(e => Path.Combine(ImagesFolder, id + e)).FirstOrDefault(File.Exists)
                    ?? Path.Combine(ImagesFolder, id + ImageExtensions[0]);
        return new SampleFiles(id, image, Path.Combine(MasksFolder, id + ".png"));
    }

    /// <summary>Stems of every image in the images folder, sorted (ordinal).</summary>
    public IReadOnlyList<string> AllIds()
    {
        if (!Directory.Exists(ImagesFolder))
        {
            throw new DirectoryNotFoundException($"images folder not found: '{ImagesFolder}'");
        }
        return Directory.EnumerateFiles(ImagesFolder)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Opens every image (or those of <paramref name="splitFile"/>, checked to exist).</summary>
    public static FileSegmentationDataset Open(string root, string? splitFile = null, bool withMasks = true, IReadOnlyList<string>? classNames = null)
    {
        var layout = new FolderDataset(root, classNames);
        return splitFile is null
            ? FileSegmentationDataset.FromIds(layout, layout.AllIds(), withMasks)
            : FileSegmentationDataset.FromSplitFile(layout, splitFile, withMasks);
    }
}
