using U2PL.Checkpoints.Files;
using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Stores;

/// <summary>The contract on a real directory, plus what only a directory has (its files are plain checkpoint files).</summary>
public sealed class FileStoreTests : StoreContract, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("u2pl-store-").FullName;
    private readonly FileCheckpointStore _store;

    public FileStoreTests() => _store = new FileCheckpointStore(_root, BlockSize);

    protected override ICheckpointStore Store => _store;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    protected override Task CorruptBlockAsync(string name, int index)
    {
        using var file = new FileStream(Path.Combine(_root, name), FileMode.Open, FileAccess.ReadWrite);
        file.Position = (long)index * BlockSize + 10;
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0xFF));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Objects_are_plain_files_and_no_temporary_file_outlives_a_failed_write()
    {
        var content = Bytes(2 * BlockSize + 1, seed: 7);
        await Store.UploadAsync("run/last.safetensors", new MemoryStream(content));
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(_root, "run", "last.safetensors")));

        await using (var dying = new GeneratedStream(4 * BlockSize, seed: 8, failAfter: BlockSize))
        {
            await Assert.ThrowsAsync<IOException>(() => Store.UploadAsync("run/last.safetensors", dying));
        }
        Assert.Empty(Directory.EnumerateFiles(_root, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_truncated_file_is_reported_corrupt()
    {
        await Store.UploadAsync("model.safetensors", new MemoryStream(Bytes(3 * BlockSize, seed: 9)));
        using (var file = new FileStream(Path.Combine(_root, "model.safetensors"), FileMode.Open, FileAccess.Write))
        {
            file.SetLength(2 * BlockSize);
        }
        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(() => Store.DownloadAsync("model.safetensors", Stream.Null));
        Assert.Contains("manifest records", error.Message);
    }

    [Fact]
    public async Task A_300_MB_object_round_trips_with_bounded_memory()
    {
        using var store = new FileCheckpointStore(_root);
        await LargeObjects.RoundTripAsync(store);
    }
}
