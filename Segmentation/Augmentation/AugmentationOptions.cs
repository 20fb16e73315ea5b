namespace U2PL.Segmentation.Augmentation;

/// <summary>Augmentation settings (official config keys: <c>rand_resize</c>, <c>crop.size</c>, <c>flip</c>, <c>mean</c>, <c>std</c>).</summary>
public sealed record AugmentationOptions
{
    /// <summary>Crop height; null = no crop (whole image). Default null.</summary>
    public int? CropHeight { get; init; }

    /// <summary>Crop width; null = no crop. Default null.</summary>
    public int? CropWidth { get; init; }

    /// <summary>Lower bound of the random scale. Default 0.5.</summary>
    public double ScaleMin { get; init; } = 0.5;

    /// <summary>Upper bound of the random scale. Default 2.0.</summary>
    public double ScaleMax { get; init; } = 2.0;

    /// <summary>Probability of a horizontal flip. Default 0.5.</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Per-channel RGB mean on the 0..255 scale (ImageNet). Also the colour that pads images.</summary>
    public IReadOnlyList<double> Mean { get; init; } = [123.675, 116.28, 103.53];

    /// <summary>Per-channel RGB standard deviation on the 0..255 scale (ImageNet).</summary>
    public IReadOnlyList<double> Std { get; init; } = [58.395, 57.12, 57.375];

    /// <summary>Label that pads masks and marks ignored pixels. Default 255.</summary>
    public int IgnoreIndex { get; init; } = 255;

    /// <summary>Whether a crop size is set.</summary>
    public bool HasCrop => CropHeight is not null && CropWidth is not null;

    /// <summary>A square crop of <paramref name="size"/> with the other settings at their defaults.</summary>
    public static AugmentationOptions WithCrop(int size) => new() { CropHeight = size, CropWidth = size };

    /// <summary>Every problem with these settings (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (CropHeight is null != CropWidth is null)
        {
            problems.Add("crop height and width must both be set or both be null");
        }
        if (CropHeight is <= 0 || CropWidth is <= 0)
        {
            problems.Add($"crop size must be positive, got {CropHeight}x{CropWidth}");
        }
        if (!(ScaleMin > 0) || !(ScaleMax >= ScaleMin) || ScaleMax > 16)
        {
            problems.Add($"rand_resize must satisfy 0 < min ≤ max ≤ 16, got [{ScaleMin}, {ScaleMax}]");
        }
        if (!(FlipProbability is >= 0 and <= 1))
        {
            problems.Add($"flip probability must be in [0, 1], got {FlipProbability}");
        }
        if (Mean.Count != 3)
        {
            problems.Add($"mean must have 3 values, got {Mean.Count}");
        }
        if (Std.Count != 3 || Std.Any(s => !(s > 0)))
        {
            problems.Add($"std must have 3 positive values, got [{string.Join(", ", Std)}]");
        }
        if (IgnoreIndex is < 0 or > 255)
        {
            problems.Add($"ignore index must be in [0, 255], got {IgnoreIndex}");
        }
        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid augmentation options: " + string.Join("; ", problems));
        }
    }
}
