using System.Text;
using U2PL.Checkpoints.Catalog;
using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Catalog;

/// <summary>Checkpoints (object sets + <c>latest</c>) over each real store.</summary>
public abstract class CatalogContract : IDisposable
{
    protected const int BlockSize = 64 << 10;
    private readonly string _local = Directory.CreateTempSubdirectory("u2pl-catalog-").FullName;

    protected abstract ICheckpointStore Store { get; }

    private CheckpointCatalog Catalog => new(Store);

    public virtual void Dispose() => Directory.Delete(_local, recursive: true);

    private static byte[] Tensors(int seed)
    {
        var bytes = new byte[3 * BlockSize + seed];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Info(double? miou) => miou is { } value ? $$"""{"iteration": 1, "last_miou": {{value}}}""" : """{"iteration": 1, "last_miou": null}""";

    private static CheckpointFile[] Files(int seed, double? miou) =>
    [
        new(".safetensors", () => new MemoryStream(Tensors(seed))),
        new(".json", () => new MemoryStream(Encoding.UTF8.GetBytes(Info(miou)))),
    ];

    [Fact]
    public async Task A_published_checkpoint_becomes_latest_and_downloads_as_a_local_checkpoint_directory()
    {
        Assert.Null(await Catalog.ReadLatestAsync());
        var latest = await Catalog.PublishAsync("c001", Files(1, 0.25), WriteCondition.Absent);
        Assert.Equal("c001", latest.Name);
        Assert.Equal(latest, await Catalog.ReadLatestAsync());

        var directory = Path.Combine(_local, "resume");
        Assert.Equal("c001", (await Catalog.DownloadLatestAsync(directory)).Name);
        Assert.Equal("c001\n", File.ReadAllText(Path.Combine(directory, "latest")));
        Assert.Equal(Tensors(1), File.ReadAllBytes(Path.Combine(directory, "c001.safetensors")));
        Assert.Equal(Info(0.25), File.ReadAllText(Path.Combine(directory, "c001.json")));
    }

    [Fact]
    public async Task A_stale_writer_cannot_replace_a_newer_checkpoint()
    {
        var staleView = WriteCondition.After(await Store.GetAsync(CheckpointCatalog.LatestName)); // nothing yet
        var newer = await Catalog.PublishAsync("c002", Files(2, null), WriteCondition.Absent);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => Catalog.PublishAsync("c001", Files(1, null), staleView));

        var newest = await Catalog.PublishAsync("c003", Files(3, null), WriteCondition.Matching(newer.ETag));
        var error = await Assert.ThrowsAsync<CheckpointConflictException>(() => Catalog.PublishAsync("c004", Files(4, null), WriteCondition.Matching(newer.ETag)));
        Assert.Contains("latest", error.Message);
        Assert.Equal(newest, await Catalog.ReadLatestAsync());
    }

    [Fact]
    public async Task A_publish_killed_midway_leaves_the_previous_checkpoint_latest_intact_and_readable()
    {
        var previous = await Catalog.PublishAsync("c001", Files(1, 0.1), WriteCondition.Absent);
        CheckpointFile[] dying =
        [
            new(".safetensors", () => new GeneratedStream(8 * BlockSize, seed: 5, failAfter: 4 * BlockSize + 7)),
            new(".json", () => new MemoryStream(Encoding.UTF8.GetBytes(Info(0.9)))),
        ];
        await Assert.ThrowsAsync<IOException>(() => Catalog.PublishAsync("c002", dying, WriteCondition.Matching(previous.ETag)));

        Assert.Equal(previous, await Catalog.ReadLatestAsync());
        var directory = Path.Combine(_local, "after-kill");
        await Catalog.DownloadLatestAsync(directory);
        Assert.Equal(Tensors(1), File.ReadAllBytes(Path.Combine(directory, "c001.safetensors")));
        Assert.Empty(await Catalog.ApplyRetentionAsync(new RetentionPolicy { KeepLast = 1 }));
        Assert.Equal(["c001"], (await Catalog.ListAsync()).Where(e => e.IsComplete).Select(e => e.Name));
    }

    [Fact]
    public async Task Retention_keeps_the_last_k_and_the_best_by_val_miou_and_drops_older_leftovers()
    {
        await Store.UploadAsync("c000.safetensors", new MemoryStream(Tensors(0))); // an older killed upload: no .json
        var condition = WriteCondition.Absent;
        double?[] scores = [0.1, 0.5, 0.3, 0.5, 0.2, null];
        for (var i = 0; i < scores.Length; i++)
        {
            condition = WriteCondition.Matching((await Catalog.PublishAsync($"c{i + 1:D3}", Files(i + 1, scores[i]), condition)).ETag);
        }
        await Store.UploadAsync("c999.safetensors", new MemoryStream(Tensors(9))); // another writer's upload in progress

        var deleted = await Catalog.ApplyRetentionAsync(new RetentionPolicy { KeepLast = 2 });

        Assert.Equal(["c000", "c001", "c003", "c004"], deleted);
        Assert.Equal(["c002", "c005", "c006", "c999"], (await Catalog.ListAsync()).Select(e => e.Name));
        Assert.Equal("c006", (await Catalog.ReadLatestAsync())!.Name);
        Assert.Empty(await Catalog.ApplyRetentionAsync(new RetentionPolicy { KeepLast = 2 }));
    }

    [Fact]
    public async Task The_background_publisher_uploads_the_files_as_they_were_and_stops_once_another_writer_takes_over()
    {
        var tensors = Path.Combine(_local, "last.safetensors");
        var info = Path.Combine(_local, "last.json");
        File.WriteAllBytes(tensors, Tensors(1));
        File.WriteAllText(info, Info(0.3));
        var published = new List<PublishedCheckpoint>();
        await using var first = await CheckpointPublisher.StartAsync(Catalog, new RetentionPolicy { KeepLast = 1 }, p => published.Add(p));

        first.Publish("c001", [(".safetensors", tensors), (".json", info)]);
        ReplaceLikeTheTrainer(tensors, Tensors(2)); // the next save renames new files over the old ones
        ReplaceLikeTheTrainer(info, Encoding.UTF8.GetBytes(Info(0.4)));
        await first.CompleteAsync();

        Assert.Equal("c001", Assert.Single(published).Latest.Name);
        Assert.Equal(Tensors(1), await Download("c001.safetensors"));

        await using var second = await CheckpointPublisher.StartAsync(Catalog, new RetentionPolicy { KeepLast = 1 });
        second.Publish("c002", [(".safetensors", tensors), (".json", info)]);
        await second.CompleteAsync();

        first.Publish("c003", [(".safetensors", tensors), (".json", info)]);
        await Assert.ThrowsAsync<CheckpointConflictException>(first.CompleteAsync);
        Assert.Throws<CheckpointConflictException>(() => first.Publish("c004", [(".safetensors", tensors), (".json", info)]));
        Assert.Equal("c002", (await Catalog.ReadLatestAsync())!.Name);
        Assert.Equal(Tensors(2), await Download("c002.safetensors"));
    }

    private async Task<byte[]> Download(string name)
    {
        using var buffer = new MemoryStream();
        await Store.DownloadAsync(name, buffer);
        return buffer.ToArray();
    }

    private static void ReplaceLikeTheTrainer(string path, byte[] content)
    {
        File.WriteAllBytes(path + ".tmp", content);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
