namespace U2PL.Grains.Run;

/// <summary>
/// One run's training metrics as its run grain last published them (every reconcile tick): an immutable snapshot, so
/// that the meter's callbacks, which run on a scrape or export thread, never touch the grain's own state.
/// </summary>
public sealed record RunSeries
{
    public required string RunId { get; init; }

    /// <summary>Global iterations done (the run status' iteration).</summary>
    public long Iteration { get; init; }

    /// <summary>Ls, Lu, Lc of the last step a worker reported; null before the first report.</summary>
    public (double Supervised, double Unsupervised, double Contrastive)? Losses { get; init; }

    /// <summary>αt of the last reported step (Eq. 7), a fraction.</summary>
    public double? Alpha { get; init; }

    public double? LearningRate { get; init; }

    /// <summary>λu (Eq. 8) of the last reported step; null while worker reports do not carry it.</summary>
    public double? UnsupervisedWeight { get; init; }

    /// <summary>γt, the entropy threshold of the last reported step; null while worker reports do not carry it.</summary>
    public double? EntropyThreshold { get; init; }

    /// <summary>Images of the accepted steps reported to this activation of the run grain (a counter: it restarts at 0 when the grain moves).</summary>
    public long Images { get; init; }

    public double ImagesPerSecond { get; init; }

    public int DesiredWorkers { get; init; }

    /// <summary>The run's workers by state (starting, training, idle, stopping, ...).</summary>
    public IReadOnlyDictionary<string, int> Workers { get; init; } = new Dictionary<string, int>();

    /// <summary>Gradients the parameter-server shards rejected or down-scaled as stale, since their activation.</summary>
    public long StaleGradients { get; init; }

    /// <summary>The largest staleness (weight versions behind) among the workers' last gradients.</summary>
    public long MaxStaleness { get; init; }

    /// <summary>Negatives held per class memory bank.</summary>
    public IReadOnlyList<long> BankFill { get; init; } = [];

    /// <summary>Capacity per class memory bank (the background class has its own).</summary>
    public IReadOnlyList<long> BankCapacity { get; init; } = [];

    /// <summary>Validation mIoU of the last evaluation, a fraction; null before the first.</summary>
    public double? MeanIoU { get; init; }
}
