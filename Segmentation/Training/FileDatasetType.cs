using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Training;

/// <summary>A dataset type read from files under <c>dataset.data_root</c>, its splits named by <c>train_split</c> / <c>val_split</c>.</summary>
public sealed class FileDatasetType(
    string name, Func<string, string, ISegmentationDataset> openTrain, Func<string, string, ISegmentationDataset> openValidation) : IDatasetType
{
    /// <summary>CamVid (SegNet layout).</summary>
    public static FileDatasetType CamVid { get; } = new("camvid", (root, split) => CamVidDataset.Open(root, split), (root, split) => CamVidDataset.Open(root, split));

    /// <summary>Cityscapes (gtFine).</summary>
    public static FileDatasetType Cityscapes { get; } = new("cityscapes", (root, split) => CityscapesDataset.Open(root, split), (root, split) => CityscapesDataset.Open(root, split));

    /// <summary>PASCAL VOC 2012: train split "blender" (SBD-augmented) or the classic set; val split "val" or a split file.</summary>
    public static FileDatasetType Pascal { get; } = new("pascal",
        (root, split) => PascalVocDataset.Open(root, split == "blender" ? VocCandidateSet.Blender : VocCandidateSet.Classic),
        (root, split) => split == "val" ? PascalVocDataset.Open(root, VocCandidateSet.Val) : PascalVocDataset.Open(root, Path.Combine(root, split)));

    /// <summary>Images and masks listed in <c>&lt;split&gt;.txt</c> under the root.</summary>
    public static FileDatasetType Folder { get; } = new("folder", OpenFolder, OpenFolder);

    public string Name { get; } = name;

    public IReadOnlyList<string> Validate(DataOptions options) =>
        string.IsNullOrWhiteSpace(options.Root) ? [$"dataset.data_root: required for dataset type '{Name}'"]
        : !Directory.Exists(options.Root) ? [$"dataset.data_root: no such folder '{options.Root}'"]
        : [];

    public ISegmentationDataset OpenTrain(DataOptions options) => openTrain(options.Root ?? "", options.TrainSplit);

    public ISegmentationDataset OpenValidation(DataOptions options) => openValidation(options.Root ?? "", options.ValSplit);

    private static ISegmentationDataset OpenFolder(string root, string split) => FolderDataset.Open(root, Path.Combine(root, split + ".txt"));
}
