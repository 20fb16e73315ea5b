using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Training;

/// <summary>The labeled and unlabeled parts of the training set, and the validation set, built from <see cref="DataOptions"/>.</summary>
public sealed record TrainingDatasets(ISegmentationDataset Labeled, ISegmentationDataset Unlabeled, ISegmentationDataset Validation)
{
    public static TrainingDatasets Create(DataOptions options)
    {
        var train = OpenTrain(options);
        var ids = Enumerable.Range(0, train.Count).Select(train.GetId).ToArray();
        var partition = PartitionOf(options, ids);
        var position = ids.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index, StringComparer.Ordinal);
        int[] Indices(IEnumerable<string> chosen, string what) => chosen.Select(id => position.TryGetValue(id, out var i)
            ? i
            : throw new InvalidDataException($"the {what} split names '{id}', which is not in {train.Name}")).ToArray();
        var labeled = Indices(partition.Labeled, "labeled");
        var unlabeled = Indices(partition.Unlabeled, "unlabeled");
        if (labeled.Length == 0)
        {
            throw new InvalidDataException($"the labeled split of {train.Name} is empty");
        }
        return new TrainingDatasets(
            new SubsetDataset(train, labeled, $"{train.Name} labeled ({labeled.Length})"),
            new SubsetDataset(ImagesOnly(train), unlabeled, $"{train.Name} unlabeled ({unlabeled.Length})"),
            OpenValidation(options));
    }

    /// <summary>Only the validation set (what <c>u2pl eval</c> needs), without touching the training set.</summary>
    public static ISegmentationDataset OpenValidation(DataOptions options)
    {
        var root = options.Root ?? "";
        return options.Type switch
        {
            // A different seed: validation scenes are never training scenes.
            "synthetic" => Synthetic(options, options.SyntheticSeed + 1_000_003, options.SyntheticValCount),
            "camvid" => CamVidDataset.Open(root, options.ValSplit),
            "cityscapes" => CityscapesDataset.Open(root, options.ValSplit),
            "pascal" => options.ValSplit == "val" ? PascalVocDataset.Open(root, VocCandidateSet.Val) : PascalVocDataset.Open(root, Path.Combine(root, options.ValSplit)),
            "folder" => FolderDataset.Open(root, Path.Combine(root, options.ValSplit + ".txt")),
            _ => throw new ArgumentException($"unknown dataset type '{options.Type}'"),
        };
    }

    private static ISegmentationDataset OpenTrain(DataOptions options)
    {
        var root = options.Root ?? "";
        return options.Type switch
        {
            "synthetic" => Synthetic(options, options.SyntheticSeed, options.SyntheticTrainCount),
            "camvid" => CamVidDataset.Open(root, options.TrainSplit),
            "cityscapes" => CityscapesDataset.Open(root, options.TrainSplit),
            "pascal" => PascalVocDataset.Open(root, options.TrainSplit == "blender" ? VocCandidateSet.Blender : VocCandidateSet.Classic),
            "folder" => FolderDataset.Open(root, Path.Combine(root, options.TrainSplit + ".txt")),
            _ => throw new ArgumentException($"unknown dataset type '{options.Type}'"),
        };
    }

    private static SyntheticStreetDataset Synthetic(DataOptions options, long seed, int count) => new(new SyntheticStreetOptions
    {
        Seed = seed, Count = count, Height = options.SyntheticHeight, Width = options.SyntheticWidth,
    });

    /// <summary>The same samples, loaded without their masks: unlabeled images must not cost a mask decode.</summary>
    private static ISegmentationDataset ImagesOnly(ISegmentationDataset dataset) => dataset switch
    {
        FileSegmentationDataset files => files.WithoutMasks(),
        SyntheticStreetDataset synthetic => new SyntheticStreetDataset(synthetic.Options with { WithMasks = false }),
        _ => throw new NotSupportedException($"no mask-free view of {dataset.Name}"),
    };

    private static Partition PartitionOf(DataOptions options, IReadOnlyList<string> candidates)
    {
        if (File.Exists(options.Labeled))
        {
            var unlabeledFile = options.UnlabeledFile;
            if (unlabeledFile is null)
            {
                var labeled = SplitFile.Read(options.Labeled).Select(entry => entry.Id).ToHashSet(StringComparer.Ordinal);
                return new Partition(labeled.ToArray(), candidates.Where(id => !labeled.Contains(id)).ToArray());
            }
            return Partition.Read(options.Labeled, unlabeledFile);
        }
        return Partition.Create(candidates, PartitionSize.Parse(options.Labeled), options.SplitSeed);
    }
}
