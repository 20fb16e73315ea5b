using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Training;

/// <summary>The labeled and unlabeled parts of the training set, and the validation set, built from <see cref="DataOptions"/>.</summary>
public sealed record TrainingDatasets(ISegmentationDataset Labeled, ISegmentationDataset Unlabeled, ISegmentationDataset Validation)
{
    public static TrainingDatasets Create(DataOptions options)
    {
        var (train, validation) = Open(options);
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
            new SubsetDataset(train, labeled, $"{train.Name} labeled ({labeled.Length})", withMasks: true),
            new SubsetDataset(train, unlabeled, $"{train.Name} unlabeled ({unlabeled.Length})", withMasks: false),
            validation);
    }

    private static (ISegmentationDataset Train, ISegmentationDataset Validation) Open(DataOptions options)
    {
        var root = options.Root ?? "";
        return options.Type switch
        {
            "synthetic" => (
                new SyntheticStreetDataset(new SyntheticStreetOptions
                {
                    Seed = options.SyntheticSeed, Count = options.SyntheticTrainCount, Height = options.SyntheticHeight, Width = options.SyntheticWidth,
                }),
                new SyntheticStreetDataset(new SyntheticStreetOptions
                {
                    // A different seed: validation scenes are never training scenes.
                    Seed = options.SyntheticSeed + 1_000_003, Count = options.SyntheticValCount, Height = options.SyntheticHeight, Width = options.SyntheticWidth,
                })),
            "camvid" => (CamVidDataset.Open(root, options.TrainSplit), CamVidDataset.Open(root, options.ValSplit)),
            "cityscapes" => (CityscapesDataset.Open(root, options.TrainSplit), CityscapesDataset.Open(root, options.ValSplit)),
            "pascal" => (PascalVocDataset.Open(root, options.TrainSplit == "blender" ? VocCandidateSet.Blender : VocCandidateSet.Classic),
                         options.ValSplit == "val" ? PascalVocDataset.Open(root, VocCandidateSet.Val) : PascalVocDataset.Open(root, Path.Combine(root, options.ValSplit))),
            "folder" => (FolderDataset.Open(root, Path.Combine(root, options.TrainSplit + ".txt")), FolderDataset.Open(root, Path.Combine(root, options.ValSplit + ".txt"))),
            _ => throw new ArgumentException($"unknown dataset type '{options.Type}'"),
        };
    }

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
