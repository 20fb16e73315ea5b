namespace U2PL.Segmentation.Data;

/// <summary>Settings of <see cref="BatchLoader"/>.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Samples per batch. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Finished batches kept ready ahead of the consumer (channel capacity). Default 2.</summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>Samples decoded and augmented in parallel. Default 2.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Whether a final incomplete batch is dropped (as the official training loaders). Default false.</summary>
    public bool DropLast { get; init; }

    /// <summary>Config <c>data.on_bad_sample</c>: fail (default) or skip.</summary>
    public BadSamplePolicy OnBadSample { get; init; } = BadSamplePolicy.Fail;

    /// <summary>Every problem with these settings (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BatchSize < 1)
        {
            problems.Add($"batch size must be ≥ 1, got {BatchSize}");
        }
        if (PrefetchBatches < 1)
        {
            problems.Add($"prefetch must be ≥ 1 batch, got {PrefetchBatches}");
        }
        if (Workers < 1)
        {
            problems.Add($"workers must be ≥ 1, got {Workers}");
        }
        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid loader options: " + string.Join("; ", problems));
        }
    }
}
