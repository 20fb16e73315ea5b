using System.Runtime.ExceptionServices;

namespace U2PL.Checkpoints.Catalog;

/// <summary>What one background publication did.</summary>
public sealed record PublishedCheckpoint(LatestCheckpoint Latest, IReadOnlyList<string> Deleted);

/// <summary>
/// Publishes a trainer's local checkpoints to a store in the background, one at a time, so that training does not wait
/// for uploads. <see cref="Publish"/> opens the files at once: the trainer's next save renames new files over them,
/// and the open handles keep reading the version that was asked for. A checkpoint still waiting when a newer one
/// arrives is dropped (the newer supersedes it). Each publication moves <c>latest</c> with the ETag of the previous
/// one, then applies the retention policy; the first failure (a stale writer's conflict included) stops publishing
/// and is thrown by the next <see cref="Publish"/> or by <see cref="CompleteAsync"/>.
/// </summary>
public sealed class CheckpointPublisher : IAsyncDisposable
{
    private readonly CheckpointCatalog _catalog;
    private readonly RetentionPolicy _retention;
    private readonly Action<PublishedCheckpoint>? _onPublished;
    private readonly Lock _lock = new();
    private WriteCondition _latest;
    private Pending? _pending;
    private Task _worker = Task.CompletedTask;
    private bool _running;
    private ExceptionDispatchInfo? _failure;

    private CheckpointPublisher(CheckpointCatalog catalog, RetentionPolicy retention, Action<PublishedCheckpoint>? onPublished, WriteCondition latest)
    {
        _catalog = catalog;
        _retention = retention;
        _onPublished = onPublished;
        _latest = latest;
    }

    /// <summary>Takes the current <c>latest</c> as the version this writer replaces next.</summary>
    public static async Task<CheckpointPublisher> StartAsync(CheckpointCatalog catalog, RetentionPolicy retention, Action<PublishedCheckpoint>? onPublished = null,
        CancellationToken cancellationToken = default)
    {
        var latest = await catalog.ReadLatestAsync(cancellationToken).ConfigureAwait(false);
        return new CheckpointPublisher(catalog, retention, onPublished, latest is null ? WriteCondition.Absent : WriteCondition.Matching(latest.ETag));
    }

    /// <summary>Queues the checkpoint <paramref name="name"/> made of the local <paramref name="files"/> (extension, path), the <c>.json</c> last.</summary>
    public void Publish(string name, IReadOnlyList<(string Extension, string Path)> files)
    {
        var snapshot = new Pending(name, []);
        try
        {
            foreach (var (extension, path) in files)
            {
                snapshot.Files.Add((extension, new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous)));
            }
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
        lock (_lock)
        {
            if (_failure is not null)
            {
                snapshot.Dispose();
                _failure.Throw();
            }
            _pending?.Dispose();
            _pending = snapshot;
            if (!_running)
            {
                _running = true;
                _worker = Task.Run(RunAsync);
            }
        }
    }

    /// <summary>Waits until everything queued is published; throws the failure that stopped publishing, if any.</summary>
    public async Task CompleteAsync()
    {
        Task worker;
        lock (_lock)
        {
            worker = _worker;
        }
        await worker.ConfigureAwait(false);
        _failure?.Throw();
    }

    public async ValueTask DisposeAsync()
    {
        Task worker;
        lock (_lock)
        {
            worker = _worker;
        }
        await worker.ConfigureAwait(false);
        lock (_lock)
        {
            _pending?.Dispose();
            _pending = null;
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            Pending? next;
            lock (_lock)
            {
                next = _pending;
                _pending = null;
                if (next is null)
                {
                    _running = false;
                    return;
                }
            }
            using (next)
            {
                try
                {
                    var files = next.Files.Select(f => new CheckpointFile(f.Extension, () => f.Stream)).ToList();
                    var latest = await _catalog.PublishAsync(next.Name, files, _latest).ConfigureAwait(false);
                    _latest = WriteCondition.Matching(latest.ETag);
                    var deleted = await _catalog.ApplyRetentionAsync(_retention).ConfigureAwait(false);
                    _onPublished?.Invoke(new PublishedCheckpoint(latest, deleted));
                }
                catch (Exception e)
                {
                    lock (_lock)
                    {
                        _failure = ExceptionDispatchInfo.Capture(e);
                        _pending?.Dispose();
                        _pending = null;
                        _running = false;
                    }
                    return;
                }
            }
        }
    }

    private sealed record Pending(string Name, List<(string Extension, FileStream Stream)> Files) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (_, stream) in Files)
            {
                stream.Dispose();
            }
        }
    }
}
