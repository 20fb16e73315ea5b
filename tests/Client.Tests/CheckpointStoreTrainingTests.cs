using System.Text.Json;

namespace U2PL.Client.Tests;

/// <summary><c>u2pl train</c> with <c>checkpoint.store</c>: real processes publishing to a file store and resuming from its URI.</summary>
public sealed class CheckpointStoreTrainingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-store-train-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Store => Path.Combine(_directory, "store");

    private string StoreUri => new Uri(Store).AbsoluteUri;

    private string Config(string snapshots, bool publish)
    {
        var path = Path.Combine(_directory, $"tiny-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            seed: 5
            dataset:
              type: synthetic
              synthetic: {"{"} train_count: 24, val_count: 3, height: 64, width: 80 {"}"}
              labeled: 8
              batch_size: 2
              train:
                crop: {"{"} size: [64, 64] {"}"}
            net: {"{"} arch: resnet18, output_stride: 16 {"}"}
            trainer:
              epochs: 2
              sup_only_epoch: 0
              threads: 2
              optimizer: {"{"} kwargs: {"{"} lr: 0.01 {"}"} {"}"}
              contrastive: {"{"} num_queries: 8, num_negatives: 16, low_rank: 2, high_rank: 5 {"}"}
            saver:
              snapshot_dir: {Path.Combine(_directory, snapshots)}
              every_steps: 1
            {(publish ? $"checkpoint:\n  store: {StoreUri}\n  keep_last: 1\n" : "")}
            """);
        return path;
    }

    private static List<JsonElement> Lines(string output, string type) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement).Where(e => e.GetProperty("type").GetString() == type)
        .Select(e => e.GetProperty(type).Clone()).ToList();

    private static double[][] Losses(string output) => Lines(output, "step")
        .Select(s => new[] { s.GetProperty("ls").GetDouble(), s.GetProperty("lu").GetDouble(), s.GetProperty("lc").GetDouble() }).ToArray();

    private string[] CompleteCheckpoints() => Directory.GetFiles(Store, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Training_publishes_to_the_store_and_resumes_from_its_uri_exactly_as_from_the_local_checkpoint()
    {
        var first = U2plProcess.Run("train", "--config", Config("first", publish: true), "--set", "trainer.max_iterations=2", "--json");
        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        var published = Lines(first.Output, "published");
        Assert.NotEmpty(published);
        var latest = File.ReadAllText(Path.Combine(Store, "latest")).Trim();
        Assert.Equal(published[^1].GetProperty("name").GetString(), latest);
        Assert.EndsWith("-it00000002", latest);
        Assert.Equal([latest], CompleteCheckpoints()); // keep_last 1, and the best (the last evaluated) is the latest
        Assert.True(File.Exists(Path.Combine(Store, latest + ".safetensors")));

        var fromStore = U2plProcess.Run("train", "--config", Config("from-store", publish: true), "--set", "trainer.max_iterations=4", "--resume", StoreUri, "--json");
        Assert.True(fromStore.ExitCode == 0, fromStore.Error + fromStore.Output);
        Assert.Contains(Lines(fromStore.Output, "message"), m => m.GetString() == $"downloaded checkpoint {latest} from {StoreUri}");
        Assert.Equal([3L, 4L], Lines(fromStore.Output, "step").Select(s => s.GetProperty("iteration").GetInt64()));

        var fromLocal = U2plProcess.Run("train", "--config", Config("from-local", publish: false), "--set", "trainer.max_iterations=4",
            "--resume", Path.Combine(_directory, "first"), "--json");
        Assert.True(fromLocal.ExitCode == 0, fromLocal.Error);
        Assert.Equal(Losses(fromLocal.Output), Losses(fromStore.Output));

        var newest = File.ReadAllText(Path.Combine(Store, "latest")).Trim();
        Assert.EndsWith("-it00000004", newest);
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(Store, newest + ".json")));
        Assert.Equal(4, info.RootElement.GetProperty("iteration").GetInt64());
        // Retention: the newest (keep_last 1), plus an older one only if it is the best by val mIoU.
        var kept = CompleteCheckpoints();
        Assert.Contains(newest, kept);
        Assert.DoesNotContain(kept, name => name.EndsWith("-it00000003", StringComparison.Ordinal));
        foreach (var older in kept.Where(name => name != newest))
        {
            using var olderInfo = JsonDocument.Parse(File.ReadAllText(Path.Combine(Store, older + ".json")));
            Assert.True(olderInfo.RootElement.GetProperty("last_miou").GetDouble() >= info.RootElement.GetProperty("last_miou").GetDouble(), $"{older} kept but not the best");
        }
        Assert.InRange(kept.Length, 1, 2);
    }

    [Fact]
    public void A_store_uri_with_an_unknown_scheme_is_an_error_before_training()
    {
        var result = U2plProcess.Run("train", "--config", Config("bad", publish: false), "--set", "checkpoint.store=s3://bucket/run", "--json");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("s3://bucket/run", result.Error);
        Assert.DoesNotContain("\"type\":\"step\"", result.Output);

        var resume = U2plProcess.Run("train", "--config", Config("bad2", publish: false), "--resume", new Uri(Path.Combine(_directory, "empty")).AbsoluteUri, "--json");
        Assert.Equal(1, resume.ExitCode);
        Assert.Contains("no checkpoint", resume.Error);
    }
}
