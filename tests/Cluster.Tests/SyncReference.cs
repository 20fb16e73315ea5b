namespace U2PL.Cluster.Tests;

/// <summary>
/// The config the sync-mode tests train, and what <c>u2pl train</c> makes of it: the result every sync cluster run of
/// it must equal. 72 synthetic images, 8 labeled: 8 steps an epoch of 8 + 8 images, each step M = 4 micro-batches of
/// 2 + 2 images; a warm-up epoch, then two semi-supervised epochs with Lc (24 steps). Trained once per test class.
/// </summary>
public sealed class SyncReference : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-sync-reference-").FullName;
    private readonly Lazy<string> _checkpoint;

    public SyncReference()
    {
        Config = TrainingCluster.WriteConfig(_directory, trainCount: 72, labeled: 8, epochs: 3, batchSize: 8, microBatches: 4);
        _checkpoint = new Lazy<string>(Train);
    }

    /// <summary>The config file; a cluster run writes its checkpoints to runs/&lt;run id&gt; beside it.</summary>
    public string Config { get; }

    /// <summary><c>u2pl train</c>'s final checkpoint (trained on first use).</summary>
    public string Checkpoint => _checkpoint.Value;

    private string Train()
    {
        var output = Path.Combine(_directory, "reference");
        var result = U2pl.Run("train", "--config", Config, "--set", $"saver.snapshot_dir={output}", "--json");
        Assert.True(result.ExitCode == 0, "u2pl train (the reference) failed: " + result);
        return Path.Combine(output, "last.safetensors");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a silo killed by a test may still be closing a file
        }
    }
}
