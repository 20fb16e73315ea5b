namespace U2PL.Synthetic;

/// <summary>Settings of the built-in synthetic street-scene dataset.</summary>
public sealed record SyntheticStreetOptions
{
    /// <summary>Seed of the scene family; with the index it fixes every pixel. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Number of images. Default 512.</summary>
    public int Count { get; init; } = 512;

    /// <summary>Image height in pixels. Default 128.</summary>
    public int Height { get; init; } = 128;

    /// <summary>Image width in pixels. Default 160.</summary>
    public int Width { get; init; } = 160;

    /// <summary>Standard deviation of the per-pixel sensor noise, in 0..255 units. Default 10.</summary>
    public double NoiseStd { get; init; } = 10;

    /// <summary>Whether samples carry masks (false to serve the images as unlabeled data). Default true.</summary>
    public bool WithMasks { get; init; } = true;

    /// <summary>Every problem with these settings (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Count < 0)
        {
            problems.Add($"synthetic.count must be ≥ 0, got {Count}");
        }
        if (Height < 32 || Height > 4096)
        {
            problems.Add($"synthetic.height must be in [32, 4096], got {Height}");
        }
        if (Width < 32 || Width > 4096)
        {
            problems.Add($"synthetic.width must be in [32, 4096], got {Width}");
        }
        if (NoiseStd is < 0 or > 128 || double.IsNaN(NoiseStd))
        {
            problems.Add($"synthetic.noise_std must be in [0, 128], got {NoiseStd}");
        }
        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid synthetic dataset options: " + string.Join("; ", problems));
        }
    }
}
