using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;
using U2PL.Segmentation.Data;

namespace U2PL.Synthetic;

/// <summary>
/// The embedded default dataset: procedural street scenes (sky, buildings, road, sidewalk, vegetation, cars, people,
/// poles) rendered in memory, deterministic from (seed, index), with textures, occlusion, blur at boundaries and
/// sensor noise so that some pixels are genuinely ambiguous. No files, no download; thread-safe.
/// </summary>
public sealed class SyntheticStreetDataset : ISegmentationDataset
{
    /// <summary>Creates the dataset; invalid options throw, listing every problem.</summary>
    public SyntheticStreetDataset(SyntheticStreetOptions options)
    {
        options.EnsureValid();
        Options = options;
    }

    /// <summary>The settings.</summary>
    public SyntheticStreetOptions Options { get; }

    /// <inheritdoc />
    public string Name => $"synthetic/seed{Options.Seed}";

    /// <inheritdoc />
    public int Count => Options.Count;

    /// <inheritdoc />
    public int ClassCount => SyntheticClasses.Names.Count;

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => SyntheticClasses.Names;

    /// <inheritdoc />
    public bool HasMasks => Options.WithMasks;

    /// <inheritdoc />
    public string GetId(int index) => $"synthetic_{Options.Seed}_{index:D6}";

    /// <inheritdoc />
    public SegmentationSample Load(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var (height, width) = (Options.Height, Options.Width);
        var image = torch.empty([height, width, 3], ScalarType.Byte);
        var mask = torch.empty([height, width], ScalarType.Byte);
        SyntheticSceneRenderer.Render(Options.Seed, index, height, width, Options.NoiseStd, image.AsSpan<byte>(), mask.AsSpan<byte>());
        if (!HasMasks)
        {
            mask.Dispose();
            return new SegmentationSample(index, GetId(index), image, null);
        }
        return new SegmentationSample(index, GetId(index), image, mask);
    }

    /// <inheritdoc />
    public ISegmentationDataset WithoutMasks() => new SyntheticStreetDataset(Options with { WithMasks = false });
}
