using U2PL.Checkpoints;
using U2PL.Checkpoints.Catalog;

namespace U2PL.Grains.Run;

/// <summary>
/// A cluster run's durable copies (checkpoint.store: file:// on a volume, azure://): each checkpoint the run writes
/// locally is published in the background with retention; a run started with <c>--resume</c> on a store URI gets the
/// store's latest checkpoint downloaded first.
/// </summary>
internal sealed class RunCheckpointStore : IAsyncDisposable
{
    private readonly ICheckpointStore _store;
    private readonly CheckpointPublisher _publisher;

    private RunCheckpointStore(ICheckpointStore store, CheckpointPublisher publisher)
    {
        _store = store;
        _publisher = publisher;
    }

    public static async Task<RunCheckpointStore> OpenAsync(string uri, int keepLast)
    {
        var store = CheckpointStores.Open(uri);
        try
        {
            var publisher = await CheckpointPublisher.StartAsync(new CheckpointCatalog(store), new RetentionPolicy { KeepLast = keepLast });
            return new RunCheckpointStore(store, publisher);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Queues the checkpoint at <paramref name="tensorsPath"/> (its .json beside it) under a name that orders by iteration.</summary>
    public void Publish(string tensorsPath, long iteration) =>
        _publisher.Publish($"it{iteration:D8}", [(".safetensors", tensorsPath), (".json", Path.ChangeExtension(tensorsPath, ".json"))]);

    /// <summary>Downloads the latest checkpoint of the store at <paramref name="uri"/> into <paramref name="directory"/> (a checkpoint directory).</summary>
    public static async Task<string> DownloadLatestAsync(string uri, string directory)
    {
        using var store = CheckpointStores.Open(uri);
        Directory.CreateDirectory(directory);
        await new CheckpointCatalog(store).DownloadLatestAsync(directory);
        return directory;
    }

    public static bool IsStoreUri(string path) => CheckpointStores.IsUri(path);

    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        _store.Dispose();
    }
}
