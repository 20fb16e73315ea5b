using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Training;

/// <summary>
/// The labeled and unlabeled parts of the training set, and the validation set, built from <see cref="DataOptions"/> by
/// the <see cref="IDatasetType"/> its <c>dataset.type</c> names.
/// </summary>
public sealed record TrainingDatasets(ISegmentationDataset Labeled, ISegmentationDataset Unlabeled, ISegmentationDataset Validation)
{
    /// <summary>The partition of <paramref name="options"/>' training set, and its validation set, opened by <paramref name="types"/>.</summary>
    public static TrainingDatasets Create(DataOptions options, DatasetTypes types)
    {
        var type = types.Resolve(options);
        var train = type.OpenTrain(options);
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
        // Unlabeled images must not cost a mask decode.
        return new TrainingDatasets(
            new SubsetDataset(train, labeled, $"{train.Name} labeled ({labeled.Length})"),
            new SubsetDataset(train.WithoutMasks(), unlabeled, $"{train.Name} unlabeled ({unlabeled.Length})"),
            type.OpenValidation(options));
    }

    /// <summary>Only the validation set (what <c>u2pl eval</c> needs), without touching the training set.</summary>
    public static ISegmentationDataset OpenValidation(DataOptions options, DatasetTypes types) => types.Resolve(options).OpenValidation(options);

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
