using U2PL.Segmentation.Configuration;

namespace U2PL.Segmentation.Training;

/// <summary>How a run spreads over the cluster (the <c>cluster.*</c> config keys); ignored by <c>u2pl train</c>.</summary>
public sealed record ClusterTrainingOptions
{
    /// <summary>
    /// sync (the default): step t's M micro-batches are leased to any workers and applied together, so the result equals
    /// <c>u2pl train</c> with the same trainer.micro_batches whatever the workers; async: each worker's gradient is
    /// applied as it arrives, subject to the staleness bound (cluster.mode).
    /// </summary>
    public ClusterMode Mode { get; init; } = ClusterMode.Sync;

    /// <summary>Parameter-server shards (cluster.shards).</summary>
    public int Shards { get; init; } = 2;

    /// <summary>S: a gradient computed on weights more than S versions old is stale (cluster.staleness).</summary>
    public int Staleness { get; init; } = 4;

    /// <summary>What happens to a stale gradient (cluster.staleness_policy): rejected (its batch is leased again) or scaled by 1/(1 + age - S).</summary>
    public StalenessPolicy StalenessPolicy { get; init; } = StalenessPolicy.Reject;

    /// <summary>Weights, gradients and negatives as float16 on the wire (cluster.half_precision_wire).</summary>
    public bool HalfPrecisionWire { get; init; }

    /// <summary>
    /// Sync mode: gradients, weights and BN statistics between workers and shards travel over the silos' tensor data
    /// plane where the silos host one, in Orleans messages otherwise (cluster.data_plane).
    /// </summary>
    public bool DataPlane { get; init; } = true;

    /// <summary>A lease not completed within this time is handed to another worker (cluster.lease_timeout_seconds).</summary>
    public double LeaseTimeoutSeconds { get; init; } = 60;

    /// <summary>Rows per class in a worker's local sample of each memory bank (cluster.bank_cache_rows).</summary>
    public int BankCacheRows { get; init; } = 8192;

    /// <summary>A worker refreshes its bank samples every this many steps (cluster.bank_refresh_steps).</summary>
    public int BankRefreshSteps { get; init; } = 10;

    /// <summary>libtorch threads per worker (cluster.worker_threads; 0: the silo's cores divided by its GPU slots).</summary>
    public int WorkerThreads { get; init; }

    public static ClusterTrainingOptions Read(ConfigTree tree)
    {
        var options = new ClusterTrainingOptions
        {
            Mode = tree.Enum("cluster.mode", ClusterMode.Sync, ("sync", ClusterMode.Sync), ("async", ClusterMode.Async)),
            Shards = tree.Int("cluster.shards", 2),
            Staleness = tree.Int("cluster.staleness", 4),
            StalenessPolicy = tree.Enum("cluster.staleness_policy", StalenessPolicy.Reject, ("reject", StalenessPolicy.Reject), ("scale", StalenessPolicy.Scale)),
            HalfPrecisionWire = tree.Bool("cluster.half_precision_wire", false),
            DataPlane = tree.Bool("cluster.data_plane", true),
            LeaseTimeoutSeconds = tree.Double("cluster.lease_timeout_seconds", 60),
            BankCacheRows = tree.Int("cluster.bank_cache_rows", 8192),
            BankRefreshSteps = tree.Int("cluster.bank_refresh_steps", 10),
            WorkerThreads = tree.Int("cluster.worker_threads", 0),
        };
        if (options.Shards is < 1 or > 64) tree.Problem($"cluster.shards must be in 1..64, got {options.Shards}");
        if (options.Staleness < 0) tree.Problem($"cluster.staleness must be non-negative, got {options.Staleness}");
        if (options.LeaseTimeoutSeconds <= 0) tree.Problem($"cluster.lease_timeout_seconds must be positive, got {options.LeaseTimeoutSeconds}");
        if (options.BankCacheRows < 1) tree.Problem($"cluster.bank_cache_rows must be at least 1, got {options.BankCacheRows}");
        if (options.BankRefreshSteps < 1) tree.Problem($"cluster.bank_refresh_steps must be at least 1, got {options.BankRefreshSteps}");
        if (options.Mode == ClusterMode.Sync && options.HalfPrecisionWire)
        {
            tree.Problem("cluster.half_precision_wire: float16 gradients would make a sync run differ from u2pl train; use cluster.mode: async with it");
        }
        if (options.WorkerThreads < 0) tree.Problem($"cluster.worker_threads must be non-negative, got {options.WorkerThreads}");
        return options;
    }
}

public enum ClusterMode
{
    Sync,
    Async,
}

public enum StalenessPolicy
{
    Reject,
    Scale,
}
