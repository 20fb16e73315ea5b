using U2PL.Segmentation.Configuration;

namespace U2PL.Segmentation.Training;

/// <summary>What a run logs besides its checkpoints (the <c>logging.*</c> config keys).</summary>
public sealed record LoggingOptions
{
    /// <summary>Write TensorBoard event files (logging.tensorboard).</summary>
    public bool TensorBoard { get; init; } = true;

    /// <summary>
    /// Where the event files go (logging.tensorboard_dir); null: <c>&lt;snapshot_dir&gt;/tb</c> for <c>u2pl train</c>,
    /// <c>&lt;run output directory&gt;/tb</c> for a cluster run. A cluster run writes to a sub-folder named after the run.
    /// </summary>
    public string? TensorBoardDirectory { get; init; }

    /// <summary>Validation images drawn with their ground truth and prediction at each evaluation (logging.tensorboard_images).</summary>
    public int TensorBoardImages { get; init; } = 3;

    /// <summary>The event-file folder of a single-process run whose checkpoints go to <paramref name="snapshotDirectory"/>.</summary>
    public string TensorBoardPath(string snapshotDirectory) => TensorBoardDirectory ?? Path.Combine(snapshotDirectory, "tb");

    /// <summary>The event-file folder of cluster run <paramref name="runId"/> whose output folder is <paramref name="runDirectory"/>.</summary>
    public string TensorBoardPath(string runDirectory, string runId) =>
        TensorBoardDirectory is { } directory ? Path.Combine(directory, runId) : Path.Combine(runDirectory, "tb");

    public static LoggingOptions Read(ConfigTree tree)
    {
        var options = new LoggingOptions
        {
            TensorBoard = tree.Bool("logging.tensorboard", true),
            TensorBoardDirectory = tree.String("logging.tensorboard_dir"),
            TensorBoardImages = tree.Int("logging.tensorboard_images", 3),
        };
        if (options.TensorBoardDirectory is "") tree.Problem("logging.tensorboard_dir: expected a folder path");
        if (options.TensorBoardImages is < 0 or > 64) tree.Problem($"logging.tensorboard_images must be in 0..64, got {options.TensorBoardImages}");
        return options;
    }
}
