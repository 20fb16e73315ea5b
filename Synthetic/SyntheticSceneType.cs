using U2PL.Segmentation.Data;
using U2PL.Segmentation.Training;

namespace U2PL.Synthetic;

/// <summary>
/// Dataset type <c>synthetic</c>: the street scenes of <see cref="SyntheticStreetDataset"/>, sized by the
/// <c>dataset.synthetic</c> section (<see cref="DataOptions.SyntheticTrainCount"/> and the settings after it).
/// </summary>
public sealed class SyntheticSceneType : IDatasetType
{
    /// <summary>Added to the seed for the validation scenes, so that they are never training scenes.</summary>
    private const long ValidationSeedOffset = 1_000_003;

    public string Name => "synthetic";

    public IReadOnlyList<string> Validate(DataOptions options)
    {
        List<string> problems = [.. Scenes(options, options.SyntheticSeed, count: 0).Validate().Select(p => $"dataset.{p}")];
        if (options.SyntheticTrainCount < 2 || options.SyntheticValCount < 1)
        {
            problems.Add("dataset.synthetic: train_count must be at least 2 and val_count at least 1");
        }
        return problems;
    }

    public ISegmentationDataset OpenTrain(DataOptions options) =>
        new SyntheticStreetDataset(Scenes(options, options.SyntheticSeed, options.SyntheticTrainCount));

    public ISegmentationDataset OpenValidation(DataOptions options) =>
        new SyntheticStreetDataset(Scenes(options, options.SyntheticSeed + ValidationSeedOffset, options.SyntheticValCount));

    private static SyntheticStreetOptions Scenes(DataOptions options, long seed, int count) => new()
    {
        Seed = seed, Count = count, Height = options.SyntheticHeight, Width = options.SyntheticWidth,
    };
}
