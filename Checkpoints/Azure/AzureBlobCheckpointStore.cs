using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// A store under a prefix of an Azure Blob container (Azure.Storage.Blobs): object NAME is the block blob
/// <c>PREFIX/NAME</c>.
/// </summary>
/// <remarks>
/// An upload stages one block at a time from a single pooled buffer, each with its MD5 as a transactional checksum
/// (checked by the service) and an id that records that MD5 (<see cref="BlockIds"/>), then commits the block list,
/// which makes the new version visible at once, under the write's ETag condition. A failed upload commits nothing:
/// its blocks stay uncommitted and the service discards them. A read takes the committed block list and its ETag,
/// then reads block by block with If-Match (so a concurrent replacement is noticed) and checks each block's MD5.
/// </remarks>
public sealed partial class AzureBlobCheckpointStore : ICheckpointStore
{
    private readonly BlobContainerClient _container;
    private readonly BlobErrors _errors;
    private readonly ILogger? _logger;
    private readonly string _prefix;
    private readonly int _blockSize;

    internal AzureBlobCheckpointStore(string location, BlobContainerClient container, BlobCredentials credentials, string prefix, CheckpointStoreOptions options)
    {
        Location = location;
        _container = container;
        _errors = new BlobErrors(location, credentials, options.MaxRetries + 1);
        _logger = options.Logger;
        _prefix = prefix.Trim('/');
        _blockSize = options.BlockSize;
    }

    public string Location { get; }

    /// <summary>The SDK's client for the store's container (tests reach past the store with it).</summary>
    internal BlobContainerClient Container => _container;

    /// <summary>The blob that holds object <paramref name="name"/>.</summary>
    internal BlockBlobClient Blob(string name)
    {
        ObjectNames.Validate(Location, name);
        return _container.GetBlockBlobClient(_prefix.Length == 0 ? name : _prefix + "/" + name);
    }

    public async Task<StoredObject> UploadAsync(string name, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        var ids = new List<string>();
        long length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
        try
        {
            int read;
            while ((read = await BlockChecksum.FillAsync(content, buffer.AsMemory(0, _blockSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                var md5 = MD5.HashData(buffer.AsSpan(0, read));
                var id = BlockIds.Create(ids.Count, Convert.ToHexStringLower(md5));
                var staging = new BlockBlobStageBlockOptions
                {
                    TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5, PrecalculatedChecksum = md5 },
                };
                await CallAsync($"upload block {ids.Count} of '{name}'", () => WithContainerAsync(
                    () => blob.StageBlockAsync(id, new MemoryStream(buffer, 0, read, writable: false), staging, cancellationToken), cancellationToken), cancellationToken).ConfigureAwait(false);
                ids.Add(id);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var commit = new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
            Conditions = condition.ToRequestConditions(),
        };
        var committed = await CallAsync($"commit '{name}' ({condition})",
            () => WithContainerAsync(() => blob.CommitBlockListAsync(ids, commit, cancellationToken), cancellationToken), cancellationToken).ConfigureAwait(false);
        return new StoredObject(name, length, ETags.Unquote(committed.Value.ETag), committed.Value.LastModified);
    }

    public async Task<StoredObject> DownloadAsync(string name, Stream destination, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        var list = await BlockListAsync(name, blob, cancellationToken).ConfigureAwait(false);
        var blocks = Segments(list).ToList();
        var buffer = ArrayPool<byte>.Shared.Rent((int)blocks.Select(b => b.Size).DefaultIfEmpty(0).Max());
        try
        {
            long offset = 0;
            foreach (var (index, size, checksum) in blocks)
            {
                var block = buffer.AsMemory(0, (int)size);
                await ReadBlockAsync(name, blob, list.ETag, index, offset, block, checksum, cancellationToken).ConfigureAwait(false);
                await destination.WriteAsync(block, cancellationToken).ConfigureAwait(false);
                offset += size;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new StoredObject(name, list.BlobContentLength, ETags.Unquote(list.ETag), list.LastModified);
    }

    public async Task<int> ReadAsync(string name, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var blob = Blob(name);
        var list = await BlockListAsync(name, blob, cancellationToken).ConfigureAwait(false);
        var count = (int)Math.Clamp(list.BlobContentLength - offset, 0, buffer.Length);
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
                    await ReadBlockAsync(name, blob, list.ETag, index, blockStart, block.AsMemory(0, (int)size), checksum, cancellationToken).ConfigureAwait(false);
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

    public async Task<StoredObject?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        try
        {
            var properties = await CallAsync($"get the properties of '{name}'", () => blob.GetPropertiesAsync(cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            return new StoredObject(name, properties.Value.ContentLength, ETags.Unquote(properties.Value.ETag), properties.Value.LastModified);
        }
        catch (CheckpointNotFoundException)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var root = _prefix.Length == 0 ? "" : _prefix + "/";
        var blobs = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = root + prefix }, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (blobs.ConfigureAwait(false))
        {
            while (await NextAsync(blobs, prefix, cancellationToken).ConfigureAwait(false))
            {
                var name = blobs.Current.Name[root.Length..];
                if (ObjectNames.IsValid(name))
                {
                    var properties = blobs.Current.Properties;
                    yield return new StoredObject(name, properties.ContentLength ?? 0, ETags.Unquote(properties.ETag ?? default), properties.LastModified ?? default);
                }
            }
        }
    }

    public async Task<bool> DeleteAsync(string name, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        try
        {
            await CallAsync($"delete '{name}' ({condition})", () => blob.DeleteAsync(DeleteSnapshotsOption.None, condition.ToRequestConditions(), cancellationToken), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CheckpointNotFoundException) when (condition.IfMatch is null)
        {
            return false;
        }
        catch (CheckpointNotFoundException e)
        {
            throw new CheckpointConflictException($"{Location}: '{name}' was deleted by another writer (this delete expected version {condition.IfMatch})", e);
        }
    }

    public void Dispose()
    {
    }

    /// <summary>Reads one block (exactly <c>block.Length</c> bytes at <paramref name="offset"/> of version <paramref name="etag"/>) and verifies it.</summary>
    private async Task ReadBlockAsync(string name, BlockBlobClient blob, ETag etag, int index, long offset, Memory<byte> block, string? checksum, CancellationToken cancellationToken)
    {
        var what = $"read block {index} (bytes {offset}..{offset + block.Length - 1}) of '{name}'";
        var download = new BlobDownloadOptions { Range = new HttpRange(offset, block.Length), Conditions = new BlobRequestConditions { IfMatch = etag } };
        int read;
        try
        {
            using var response = (await CallAsync(what, () => blob.DownloadStreamingAsync(download, cancellationToken), cancellationToken).ConfigureAwait(false)).Value;
            read = await response.Content.ReadAtLeastAsync(block, block.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointConflictException e)
        {
            throw new CheckpointConflictException($"{Location}: '{name}' was replaced while it was being read", e);
        }
        if (read != block.Length)
        {
            throw new CheckpointCorruptException($"{Location}: {what}: the service returned {read} bytes");
        }
        if (checksum is not null)
        {
            BlockChecksum.Verify(Location, name, index, offset, block.Span, checksum);
        }
    }

    /// <summary>The committed blocks as (index, size, expected MD5 or null); a blob written whole (no blocks) as unverified chunks.</summary>
    private IEnumerable<(int Index, long Size, string? Checksum)> Segments(BlockList list)
    {
        if (list.CommittedBlocks.Any())
        {
            return list.CommittedBlocks.Select((b, i) => (i, b.SizeLong, BlockIds.Checksum(b.Name)));
        }
        var chunks = (int)((list.BlobContentLength + _blockSize - 1) / _blockSize);
        return Enumerable.Range(0, chunks).Select(i => (i, Math.Min(_blockSize, list.BlobContentLength - (long)i * _blockSize), (string?)null));
    }

    private async Task<BlockList> BlockListAsync(string name, BlockBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var list = await CallAsync($"get the block list of '{name}'", () => blob.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            return list.Value;
        }
        catch (CheckpointNotFoundException e)
        {
            throw new CheckpointNotFoundException($"{Location}: no object '{name}'", e);
        }
    }

    private async ValueTask<bool> NextAsync(IAsyncEnumerator<BlobItem> blobs, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync($"list '{prefix}*'", () => blobs.MoveNextAsync().AsTask(), cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointNotFoundException)
        {
            return false; // no container yet: nothing written
        }
    }

    /// <summary>Runs a write, creating the container first if the service says it does not exist yet.</summary>
    private async Task<T> WithContainerAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_logger is not null)
            {
                LogContainerCreated(_logger, Location, _container.Name);
            }
            return await write().ConfigureAwait(false);
        }
    }

    /// <summary>Runs one SDK call (retried inside the SDK) and translates what it throws into the store's exceptions.</summary>
    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not CheckpointStoreException && _errors.Translate(what, e, cancellationToken) is var translated && translated != e)
        {
            throw translated;
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Location}: created container {Container}")]
    private static partial void LogContainerCreated(ILogger logger, string location, string container);
}
