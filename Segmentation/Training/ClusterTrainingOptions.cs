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

    /// <summary>
    /// How gradients and weights travel between workers and shards (cluster.wire): float32, float16 or bfloat16. BN
    /// statistics stay float32; an async run's negatives follow float16 (the older key cluster.half_precision_wire: true is fp16).
    /// </summary>
    public WirePrecision Wire { get; init; } = WirePrecision.Fp32;

    /// <summary>Weights, gradients and (async) negatives as float16 on the wire.</summary>
    public bool HalfPrecisionWire => Wire == WirePrecision.Fp16;

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
            Wire = tree.Enum("cluster.wire", WirePrecision.Fp32, ("fp32", WirePrecision.Fp32), ("fp16", WirePrecision.Fp16), ("bf16", WirePrecision.Bf16)),
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
        if (tree.Bool("cluster.half_precision_wire", false))
        {
            if (options.Wire == WirePrecision.Bf16) tree.Problem("cluster.half_precision_wire: true is cluster.wire: fp16, but cluster.wire is bf16");
            options = options with { Wire = WirePrecision.Fp16 };
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

/// <summary>The bytes of a tensor value on the wire (cluster.wire).</summary>
public enum WirePrecision
{
    Fp32,
    Fp16,
    Bf16,
}

public enum StalenessPolicy
{
    Reject,
    Scale,
}
