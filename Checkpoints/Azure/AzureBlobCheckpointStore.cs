using System.Buffers;
using System.Runtime.CompilerServices;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// A store under a prefix of an Azure Blob container: object NAME is the block blob <c>PREFIX/NAME</c>.
/// </summary>
/// <remarks>
/// Hand-written over the Blob REST API with Azure.Core's HTTP pipeline because Azure.Storage.Blobs cannot be restored
/// from this project's package source (its System.IO.Hashing dependency is missing); it covers only what checkpoints
/// need. An upload is a sequence of Put Block calls, one block buffer in memory at a time, each with its Content-MD5
/// (checked by the service) and an id that records that MD5 (<see cref="BlockIds"/>), then one Put Block List that
/// makes the new version visible at once, under the write's ETag condition. A killed upload commits nothing: its
/// blocks stay uncommitted and the service discards them. A read takes the committed block list and its ETag, then
/// reads block by block with If-Match (so a concurrent replacement is noticed) and checks each block's MD5.
/// </remarks>
public sealed class AzureBlobCheckpointStore : ICheckpointStore
{
    private readonly BlobRestClient _client;
    private readonly string _prefix;
    private readonly int _blockSize;

    internal AzureBlobCheckpointStore(string location, BlobRestClient client, string prefix, int blockSize)
    {
        Location = location;
        _client = client;
        _prefix = prefix.Trim('/');
        _blockSize = blockSize;
    }

    public string Location { get; }

    internal BlobRestClient Client => _client;

    public async Task<StoredObject> UploadAsync(string name, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        var ids = new List<string>();
        long length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
        try
        {
            while (true)
            {
                var read = await BlockChecksum.FillAsync(content, buffer.AsMemory(0, _blockSize), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                var block = buffer.AsMemory(0, read);
                var id = BlockIds.Create(ids.Count, BlockChecksum.Compute(block.Span));
                var md5 = BlockChecksum.ComputeBase64(block.Span);
                await WithContainerAsync(() => _client.PutBlockAsync(blob, id, block, md5, cancellationToken), cancellationToken).ConfigureAwait(false);
                ids.Add(id);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var (etag, lastModified) = await WithContainerAsync(() => _client.PutBlockListAsync(blob, ids, condition, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new StoredObject(name, length, etag, lastModified);
    }

    public async Task<StoredObject> DownloadAsync(string name, Stream destination, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        var list = await BlockListAsync(name, blob, cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(int.MaxValue, Math.Max(_blockSize, list.Blocks.Count == 0 ? 0 : list.Blocks.Max(b => b.Size))));
        try
        {
            long offset = 0;
            foreach (var (index, size, checksum) in Segments(list))
            {
                var block = buffer.AsMemory(0, (int)size);
                await _client.GetRangeAsync(blob, offset, block, list.ETag, cancellationToken).ConfigureAwait(false);
                if (checksum is not null)
                {
                    BlockChecksum.Verify(Location, name, index, offset, block.Span, checksum);
                }
                await destination.WriteAsync(block, cancellationToken).ConfigureAwait(false);
                offset += size;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new StoredObject(name, list.Length, list.ETag, list.LastModified);
    }

    public async Task<int> ReadAsync(string name, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var blob = Blob(name);
        var list = await BlockListAsync(name, blob, cancellationToken).ConfigureAwait(false);
        var count = (int)Math.Clamp(list.Length - offset, 0, buffer.Length);
        var done = 0;
        long blockStart = 0;
        foreach (var (index, size, checksum) in Segments(list))
        {
            var blockEnd = blockStart + size;
            if (done < count && blockEnd > offset + done)
            {
                var block = ArrayPool<byte>.Shared.Rent((int)size);
                try
                {
                    await _client.GetRangeAsync(blob, blockStart, block.AsMemory(0, (int)size), list.ETag, cancellationToken).ConfigureAwait(false);
                    if (checksum is not null)
                    {
                        BlockChecksum.Verify(Location, name, index, blockStart, block.AsSpan(0, (int)size), checksum);
                    }
                    var from = (int)(offset + done - blockStart);
                    var take = (int)Math.Min(size - from, count - done);
                    block.AsSpan(from, take).CopyTo(buffer.Span[done..]);
                    done += take;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(block);
                }
            }
            blockStart = blockEnd;
        }
        return done;
    }

    public async Task<StoredObject?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        await _client.GetPropertiesAsync(Blob(name), cancellationToken).ConfigureAwait(false) is { } properties
            ? new StoredObject(name, properties.Length, properties.ETag, properties.LastModified)
            : null;

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var root = _prefix.Length == 0 ? "" : _prefix + "/";
        string? marker = null;
        do
        {
            var (blobs, next) = await _client.ListAsync(root + prefix, marker, cancellationToken).ConfigureAwait(false);
            foreach (var (blob, length, etag, lastModified) in blobs)
            {
                var name = blob[root.Length..];
                if (ObjectNames.IsValid(name))
                {
                    yield return new StoredObject(name, length, etag, lastModified);
                }
            }
            marker = next;
        }
        while (marker is not null);
    }

    public Task<bool> DeleteAsync(string name, WriteCondition condition = default, CancellationToken cancellationToken = default) =>
        _client.DeleteAsync(Blob(name), condition, cancellationToken);

    public void Dispose()
    {
    }

    /// <summary>The committed blocks as (index, size, expected MD5 or null); a blob written whole (no blocks) as unverified chunks.</summary>
    private IEnumerable<(int Index, long Size, string? Checksum)> Segments(BlobRestClient.BlockList list)
    {
        if (list.Blocks.Count > 0)
        {
            return list.Blocks.Select((b, i) => (i, b.Size, BlockIds.Checksum(b.Id)));
        }
        var chunks = (int)((list.Length + _blockSize - 1) / _blockSize);
        return Enumerable.Range(0, chunks).Select(i => (i, Math.Min(_blockSize, list.Length - (long)i * _blockSize), (string?)null));
    }

    private async Task<BlobRestClient.BlockList> BlockListAsync(string name, string blob, CancellationToken cancellationToken) =>
        await _client.GetBlockListAsync(blob, cancellationToken).ConfigureAwait(false)
        ?? throw new CheckpointNotFoundException($"{Location}: no object '{name}'");

    /// <summary>Runs a write, creating the container first if the service says it does not exist yet.</summary>
    private async Task<T> WithContainerAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (CheckpointNotFoundException e) when (e.Message.Contains("ContainerNotFound", StringComparison.Ordinal))
        {
            await _client.CreateContainerAsync(cancellationToken).ConfigureAwait(false);
            return await write().ConfigureAwait(false);
        }
    }

    private Task<bool> WithContainerAsync(Func<Task> write, CancellationToken cancellationToken) =>
        WithContainerAsync(async () =>
        {
            await write().ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private string Blob(string name)
    {
        ObjectNames.Validate(Location, name);
        return _prefix.Length == 0 ? name : _prefix + "/" + name;
    }
}
