namespace U2PL.Segmentation.Method;

/// <summary>Which reading of the method Lc follows (DESIGN §4 lists the differences).</summary>
public enum ContrastiveVariant
{
    /// <summary>The paper's equations (default).</summary>
    Paper,
    /// <summary>The official code's behaviour, quirks included.</summary>
    Official,
}

/// <summary>Which loss compares anchors with their positive and negatives.</summary>
public enum ContrastiveLossKind
{
    /// <summary>Eq. 4, InfoNCE.</summary>
    InfoNce,
    /// <summary>Appendix C, Eq. A1, per-negative binary cross-entropy.</summary>
    Binary,
}

/// <summary>Hyper-parameters of Lc (paper Table A1; official config keys in comments).</summary>
public sealed record ContrastiveOptions
{
    public ContrastiveVariant Variant { get; init; } = ContrastiveVariant.Paper;

    public ContrastiveLossKind Loss { get; init; } = ContrastiveLossKind.InfoNce;

    /// <summary>M, anchors sampled per class (num_queries; paper 50, official 256).</summary>
    public int NumQueries { get; init; } = 50;

    /// <summary>N, negatives per anchor (num_negatives; paper 256, official 50).</summary>
    public int NumNegatives { get; init; } = 256;

    /// <summary>δp: an anchor's teacher probability of its class must exceed this (current_class_threshold).</summary>
    public double AnchorThreshold { get; init; } = 0.3;

    /// <summary>rl (low_rank).</summary>
    public int LowRank { get; init; } = 3;

    /// <summary>rh (high_rank), clamped to the class count.</summary>
    public int HighRank { get; init; } = 20;

    /// <summary>τ (temperature).</summary>
    public double Temperature { get; init; } = 0.5;

    /// <summary>λc (loss_weight): the paper recommends 0.1; the official code defaults to 1.</summary>
    public double Weight { get; init; } = 0.1;

    /// <summary>
    /// The official variant's αc at epoch 0 (low_entropy_threshold / 100): its anchors are the lowest-αc and its
    /// unlabeled negatives the highest-αc entropy pixels, αc decaying as αt (Eq. 7). The paper variant uses αt itself.
    /// </summary>
    public double LowEntropyThreshold { get; init; } = 0.2;

    /// <summary>Capacity of each class's memory bank.</summary>
    public long BankCapacity { get; init; } = 30_000;

    /// <summary>Capacity of the first (background) class's bank.</summary>
    public long BackgroundBankCapacity { get; init; } = 50_000;

    /// <summary>Every problem with these options for <paramref name="numClasses"/> classes.</summary>
    public IReadOnlyList<string> Validate(int numClasses)
    {
        var problems = new List<string>();
        if (NumQueries < 1) problems.Add($"contrastive.num_queries must be at least 1, got {NumQueries}");
        if (NumNegatives < 1) problems.Add($"contrastive.num_negatives must be at least 1, got {NumNegatives}");
        if (AnchorThreshold is < 0 or >= 1) problems.Add($"contrastive.current_class_threshold must be in [0, 1), got {AnchorThreshold}");
        if (Temperature <= 0) problems.Add($"contrastive.temperature must be positive, got {Temperature}");
        if (LowEntropyThreshold is < 0 or > 1) problems.Add($"contrastive.low_entropy_threshold must be in [0, 100], got {LowEntropyThreshold * 100}");
        if (Weight < 0) problems.Add($"contrastive.loss_weight must be non-negative, got {Weight}");
        if (BankCapacity < 1 || BackgroundBankCapacity < 1) problems.Add("contrastive memory bank capacities must be positive");
        if (LowRank < 1) problems.Add($"contrastive.low_rank must be at least 1, got {LowRank}");
        else if (LowRank >= numClasses)
        {
            problems.Add(numClasses == 2
                ? $"contrastive.low_rank must be 1 with 2 classes (rank 0 is the top class, so rl = {LowRank} leaves no negatives), got {LowRank}"
                : $"contrastive.low_rank must be below the class count {numClasses}, got {LowRank}");
        }
        if (HighRank <= LowRank) problems.Add($"contrastive.high_rank must exceed low_rank ({LowRank}), got {HighRank}");
        return problems;
    }

    /// <summary>Settings that work but not as written: rh above the class count is clamped.</summary>
    public IReadOnlyList<string> Warnings(int numClasses) => HighRank > numClasses
        ? [$"contrastive.high_rank {HighRank} exceeds the {numClasses} classes: ranks in [{LowRank}, {numClasses}) are used"]
        : [];

    /// <summary>rh clamped to the number of classes (a rank is at most C-1).</summary>
    public int EffectiveHighRank(int numClasses) => Math.Min(HighRank, numClasses);
}
