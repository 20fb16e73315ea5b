namespace U2PL.Segmentation.Data;

/// <summary>
/// PASCAL VOC 2012 + SBD as U2PL uses it: <c>JPEGImages/&lt;id&gt;.jpg</c> and <c>SegmentationClassAug/&lt;id&gt;.png</c>
/// (single-channel ids, 255 = border/ignore). Where no SegmentationClassAug mask exists, VOC's own palettized
/// <c>SegmentationClass/&lt;id&gt;.png</c> is read and its colours mapped back to ids (border (224,224,192) → 255).
/// Split-file ids are stems ("2007_000033").
/// </summary>
public sealed class PascalVocDataset : IDatasetLayout
{
    /// <summary>The layout rooted at <paramref name="root"/> (the folder holding JPEGImages/).</summary>
    public PascalVocDataset(string root) => Root = root;

    /// <inheritdoc />
    public string Name => "pascal_voc";

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => ClassList.PascalVoc;

    /// <inheritdoc />
    public MaskColorMap? ColorMap => MaskColorMap.PascalVoc;

    /// <inheritdoc />
    public SampleFiles Resolve(string id)
    {
        var augmented = Path.Combine(Root, "SegmentationClassAug", id + ".png");
        var original = Path.Combine(Root, "SegmentationClass", id + ".png");
        var mask = File.Exists(augmented) || !File.Exists(original) ? augmented : original;
        return new SampleFiles(id, Path.Combine(Root, "JPEGImages", id + ".jpg"), mask);
    }

    /// <summary>The list file of a candidate set; the blender list is looked up in the usual places.</summary>
    public string CandidateListPath(VocCandidateSet set)
    {
        string[] candidates = set switch
        {
            VocCandidateSet.Classic => [Path.Combine(Root, "ImageSets", "Segmentation", "train.txt")],
            VocCandidateSet.Val => [Path.Combine(Root, "ImageSets", "Segmentation", "val.txt")],
            _ =>
            [
                Path.Combine(Root, "ImageSets", "SegmentationAug", "train_aug.txt"),
                Path.Combine(Root, "ImageSets", "Segmentation", "train_aug.txt"),
                Path.Combine(Root, "train_aug.txt"),
            ],
        };
        return candidates.FirstOrDefault(File.Exists)
               ?? throw new FileNotFoundException($"no {set} list for PASCAL VOC under '{Root}'; looked for: {string.Join(", ", candidates)}", candidates[0]);
    }

    /// <summary>The ids of a candidate set (read from its list file; files not checked).</summary>
    public IReadOnlyList<string> CandidateIds(VocCandidateSet set) =>
        SplitFile.Read(CandidateListPath(set)).Select(e => e.Id).ToArray();

    /// <summary>Opens a candidate set (files checked to exist).</summary>
    public static FileSegmentationDataset Open(string root, VocCandidateSet set, bool withMasks = true)
    {
        var layout = new PascalVocDataset(root);
        return FileSegmentationDataset.FromSplitFile(layout, layout.CandidateListPath(set), withMasks, $"pascal_voc/{set.ToString().ToLowerInvariant()}");
    }

    /// <summary>Opens the samples of an official-format split file (e.g. <c>data/splits/pascal/1464/labeled.txt</c>).</summary>
    public static FileSegmentationDataset Open(string root, string splitFile, bool withMasks = true) =>
        FileSegmentationDataset.FromSplitFile(new PascalVocDataset(root), splitFile, withMasks);
}
