using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Stores;

/// <summary>What every store must do, run against each real store (a directory, Azurite) with 64 KiB blocks.</summary>
public abstract class StoreContract
{
    protected const int BlockSize = 64 << 10;

    /// <summary>The store under test (small blocks, so that small objects span several).</summary>
    protected abstract ICheckpointStore Store { get; }

    /// <summary>Replaces block <paramref name="index"/> of <paramref name="name"/> with other bytes, by means outside the store.</summary>
    protected abstract Task CorruptBlockAsync(string name, int index);

    protected static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static async Task<byte[]> DownloadAsync(ICheckpointStore store, string name)
    {
        using var buffer = new MemoryStream();
        await store.DownloadAsync(name, buffer);
        return buffer.ToArray();
    }

    [Fact]
    public async Task A_multi_block_object_and_an_empty_one_round_trip()
    {
        var content = Bytes(3 * BlockSize + 123, seed: 1);
        var written = await Store.UploadAsync("runs/a/model.safetensors", new MemoryStream(content));
        var empty = await Store.UploadAsync("empty", new MemoryStream());

        Assert.Equal(content.Length, written.Length);
        Assert.Equal(content, await DownloadAsync(Store, "runs/a/model.safetensors"));
        Assert.Empty(await DownloadAsync(Store, "empty"));
        Assert.Equal(0, empty.Length);
        var stat = await Store.GetAsync("runs/a/model.safetensors");
        Assert.Equal(written.ETag, stat!.ETag);
        Assert.Equal(content.Length, stat.Length);
    }

    [Fact]
    public async Task Ranged_reads_across_block_boundaries_return_exactly_those_bytes()
    {
        var content = Bytes(4 * BlockSize + 77, seed: 2);
        await Store.UploadAsync("ranged.bin", new MemoryStream(content));
        foreach (var (offset, length) in new (long, int)[] { (0, 10), (BlockSize - 5, 10), (BlockSize + 1, 2 * BlockSize + 3), (content.Length - 30, 100), (content.Length, 8) })
        {
            var buffer = new byte[length];
            var read = await Store.ReadAsync("ranged.bin", offset, buffer);
            var expected = content.AsSpan((int)offset, (int)Math.Min(length, content.Length - offset)).ToArray();
            Assert.Equal(expected.Length, read);
            Assert.Equal(expected, buffer[..read]);
        }
    }

    [Fact]
    public async Task Listing_is_by_prefix_in_name_order_and_delete_removes()
    {
        foreach (var name in new[] { "b.json", "a.safetensors", "a.json", "other/x" })
        {
            await Store.UploadAsync(name, new MemoryStream(Bytes(100, name.Length)));
        }
        Assert.Equal(["a.json", "a.safetensors"], await Names("a."));
        Assert.Equal(["a.json", "a.safetensors", "b.json", "other/x"], await Names(""));

        Assert.True(await Store.DeleteAsync("a.json"));
        Assert.False(await Store.DeleteAsync("a.json"));
        Assert.Null(await Store.GetAsync("a.json"));
        Assert.Equal(["a.safetensors", "b.json", "other/x"], await Names(""));
        await Assert.ThrowsAsync<CheckpointNotFoundException>(() => Store.DownloadAsync("a.json", Stream.Null));
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_the_newer_version_stays()
    {
        var first = await Store.UploadAsync("latest", new MemoryStream("c1\n"u8.ToArray()), WriteCondition.Absent);
        var second = await Store.UploadAsync("latest", new MemoryStream("c2\n"u8.ToArray()), WriteCondition.Matching(first.ETag));
        Assert.NotEqual(first.ETag, second.ETag);

        var stale = await Assert.ThrowsAsync<CheckpointConflictException>(
            () => Store.UploadAsync("latest", new MemoryStream("c0\n"u8.ToArray()), WriteCondition.Matching(first.ETag)));
        Assert.Contains("latest", stale.Message);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => Store.UploadAsync("latest", new MemoryStream("c0\n"u8.ToArray()), WriteCondition.Absent));
        await Assert.ThrowsAsync<CheckpointConflictException>(() => Store.DeleteAsync("latest", WriteCondition.Matching(first.ETag)));

        Assert.Equal("c2\n"u8.ToArray(), await DownloadAsync(Store, "latest"));
        Assert.Equal(second.ETag, (await Store.GetAsync("latest"))!.ETag);
        Assert.True(await Store.DeleteAsync("latest", WriteCondition.Matching(second.ETag)));
    }

    [Fact]
    public async Task An_upload_whose_producer_dies_midway_leaves_the_previous_version_intact()
    {
        var previous = Bytes(3 * BlockSize, seed: 3);
        var version = await Store.UploadAsync("model.safetensors", new MemoryStream(previous));

        await using (var dying = new GeneratedStream(10 * BlockSize, seed: 4, failAfter: 5 * BlockSize + 100))
        {
            var error = await Assert.ThrowsAsync<IOException>(() => Store.UploadAsync("model.safetensors", dying));
            Assert.Contains("producer died", error.Message);
        }

        Assert.Equal(version.ETag, (await Store.GetAsync("model.safetensors"))!.ETag);
        Assert.Equal(previous, await DownloadAsync(Store, "model.safetensors"));
        Assert.Equal(["model.safetensors"], await Names(""));
    }

    [Fact]
    public async Task A_corrupted_block_is_detected_on_read()
    {
        var content = Bytes(4 * BlockSize, seed: 5);
        await Store.UploadAsync("model.safetensors", new MemoryStream(content));
        await CorruptBlockAsync("model.safetensors", 2);

        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(() => Store.DownloadAsync("model.safetensors", Stream.Null));
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("block 2", error.Message);
        await Assert.ThrowsAsync<CheckpointCorruptException>(() => Store.ReadAsync("model.safetensors", 2L * BlockSize + 10, new byte[10]));

        var intact = new byte[BlockSize];
        Assert.Equal(BlockSize, await Store.ReadAsync("model.safetensors", BlockSize, intact));
        Assert.Equal(content.AsSpan(BlockSize, BlockSize).ToArray(), intact);

        var local = Path.Combine(Path.GetTempPath(), $"u2pl-corrupt-{Guid.NewGuid():N}");
        await Assert.ThrowsAsync<CheckpointCorruptException>(() => Store.DownloadFileAsync("model.safetensors", local));
        Assert.False(File.Exists(local), "a failed download leaves no file behind");
    }

    [Fact]
    public async Task Invalid_names_are_refused_before_any_io()
    {
        foreach (var name in new[] { "", "../escape", "a//b", ".hidden", "a/.blocks/b", "sp ace" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => Store.UploadAsync(name, new MemoryStream([1])));
        }
    }

    protected async Task<List<string>> Names(string prefix)
    {
        var names = new List<string>();
        await foreach (var stored in Store.ListAsync(prefix))
        {
            names.Add(stored.Name);
        }
        return names;
    }
}
