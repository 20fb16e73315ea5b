namespace U2PL.Checkpoints.Catalog;

/// <summary>
/// Which published checkpoints <see cref="CheckpointCatalog.ApplyRetentionAsync"/> keeps: the one <c>latest</c> names,
/// the <see cref="KeepLast"/> newest complete ones, and the best by the number <see cref="BestBy"/> in their
/// <c>NAME.json</c> (the earliest of equals: a training checkpoint repeats the last evaluation's mIoU until the next
/// one, and the first to carry it is the one that was evaluated).
/// </summary>
public sealed record RetentionPolicy
{
    /// <summary>How many of the newest complete checkpoints to keep (the latest among them); 0 keeps every checkpoint.</summary>
    public int KeepLast { get; init; } = 3;

    /// <summary>The top-level JSON number that ranks checkpoints (training: <c>last_miou</c>, the val mIoU evaluated before the save); null: no best kept.</summary>
    public string? BestBy { get; init; } = "last_miou";

    /// <summary>Keeps everything.</summary>
    public static RetentionPolicy KeepAll => new() { KeepLast = 0, BestBy = null };
}
