using System.Buffers;
using System.Runtime.CompilerServices;

namespace U2PL.Checkpoints.Files;

/// <summary>
/// A store in a directory (in Kubernetes, a PersistentVolume). An object is the file <c>ROOT/NAME</c>, so a store
/// directory is also a plain checkpoint directory; its block checksums and version id live in <c>ROOT/.blocks/NAME</c>.
/// A write goes to a hidden temporary file in the same directory, is fsynced, and is renamed over the old version
/// (atomic); the condition is checked and the rename done under the store's lock file, so two processes cannot both
/// win. A killed writer leaves only a hidden temporary file, which no read or list sees.
/// </summary>
/// <remarks>
/// The manifest is renamed into place just before the data: a crash between the two makes the object fail its
/// checksums (reported as corrupt) rather than return bytes that were never verified.
/// </remarks>
public sealed class FileCheckpointStore : ICheckpointStore
{
    /// <summary>The default block size of the checksums (4 MiB).</summary>
    public const int DefaultBlockSize = 4 << 20;

    private const string ManifestDirectory = ".blocks";
    private const string LockFile = ".lock";
    private readonly string _root;
    private readonly int _blockSize;

    public FileCheckpointStore(string root, int blockSize = DefaultBlockSize, string? location = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _root = Path.GetFullPath(root);
        _blockSize = blockSize;
        Location = location ?? new Uri(_root).AbsoluteUri;
    }

    public string Location { get; }

    /// <summary>The directory the objects are in.</summary>
    public string Root => _root;

    public async Task<StoredObject> UploadAsync(string name, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var (path, manifestPath) = Paths(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(Path.GetDirectoryName(manifestPath)!);
        var temporary = TemporaryName(path);
        var temporaryManifest = TemporaryName(manifestPath);
        try
        {
            var manifest = await WriteDataAsync(temporary, content, cancellationToken).ConfigureAwait(false);
            await using (var file = new FileStream(temporaryManifest, FileMode.CreateNew, FileAccess.Write))
            await using (var writer = new StreamWriter(file))
            {
                await writer.WriteAsync(manifest.Format()).ConfigureAwait(false);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            await using (await FileDurability.LockAsync(Location, Path.Combine(_root, LockFile), cancellationToken).ConfigureAwait(false))
            {
                CheckCondition(name, condition, Current(name, path, manifestPath));
                File.Move(temporaryManifest, manifestPath, overwrite: true);
                File.Move(temporary, path, overwrite: true);
            }
            FileDurability.SyncDirectory(Path.GetDirectoryName(manifestPath)!);
            FileDurability.SyncDirectory(Path.GetDirectoryName(path)!);
            return Describe(name, path, manifest);
        }
        finally
        {
            File.Delete(temporary);
            File.Delete(temporaryManifest);
        }
    }

    public async Task<StoredObject> DownloadAsync(string name, Stream destination, CancellationToken cancellationToken = default)
    {
        var (path, manifestPath) = Paths(name);
        await using var file = OpenData(name, path);
        var manifest = ReadManifest(name, manifestPath, file);
        var buffer = ArrayPool<byte>.Shared.Rent(manifest?.BlockSize ?? _blockSize);
        try
        {
            for (var index = 0; ; index++)
            {
                var block = buffer.AsMemory(0, manifest?.BlockSize ?? _blockSize);
                var read = await BlockChecksum.FillAsync(file, block, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                if (manifest is not null)
                {
                    BlockChecksum.Verify(Location, name, index, (long)index * manifest.BlockSize, block.Span[..read], manifest.Checksums[index]);
                }
                await destination.WriteAsync(block[..read], cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Describe(name, path, manifest);
    }

    public async Task<int> ReadAsync(string name, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var (path, manifestPath) = Paths(name);
        await using var file = OpenData(name, path);
        var manifest = ReadManifest(name, manifestPath, file);
        var length = file.Length;
        var count = (int)Math.Clamp(length - offset, 0, buffer.Length);
        if (manifest is null || count == 0)
        {
            file.Position = Math.Min(offset, length);
            return await BlockChecksum.FillAsync(file, buffer[..count], cancellationToken).ConfigureAwait(false);
        }
        var blockBuffer = ArrayPool<byte>.Shared.Rent(manifest.BlockSize);
        try
        {
            var done = 0;
            while (done < count)
            {
                var index = (int)((offset + done) / manifest.BlockSize);
                var blockStart = (long)index * manifest.BlockSize;
                file.Position = blockStart;
                var read = await BlockChecksum.FillAsync(file, blockBuffer.AsMemory(0, manifest.BlockSize), cancellationToken).ConfigureAwait(false);
                BlockChecksum.Verify(Location, name, index, blockStart, blockBuffer.AsSpan(0, read), manifest.Checksums[index]);
                var from = (int)(offset + done - blockStart);
                var take = Math.Min(read - from, count - done);
                blockBuffer.AsSpan(from, take).CopyTo(buffer.Span[done..]);
                done += take;
            }
            return done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(blockBuffer);
        }
    }

    public Task<StoredObject?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var (path, manifestPath) = Paths(name);
        return Task.FromResult(Current(name, path, manifestPath));
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (!Directory.Exists(_root))
        {
            yield break;
        }
        var names = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && ObjectNames.IsValid(name))
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (path, manifestPath) = Paths(name);
            if (Current(name, path, manifestPath) is { } stored)
            {
                yield return stored;
            }
        }
    }

    public async Task<bool> DeleteAsync(string name, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var (path, manifestPath) = Paths(name);
        await using (await FileDurability.LockAsync(Location, Path.Combine(_root, LockFile), cancellationToken).ConfigureAwait(false))
        {
            var current = Current(name, path, manifestPath);
            CheckCondition(name, condition, current);
            if (current is null)
            {
                return false;
            }
            File.Delete(path);
            File.Delete(manifestPath);
        }
        FileDurability.SyncDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    public void Dispose()
    {
    }

    private async Task<BlockManifest> WriteDataAsync(string temporary, Stream content, CancellationToken cancellationToken)
    {
        var checksums = new List<string>();
        long length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
        try
        {
            await using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            while (true)
            {
                var read = await BlockChecksum.FillAsync(content, buffer.AsMemory(0, _blockSize), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                checksums.Add(BlockChecksum.Compute(buffer.AsSpan(0, read)));
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                length += read;
            }
            file.Flush(flushToDisk: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new BlockManifest(Guid.NewGuid().ToString("N"), _blockSize, length, checksums);
    }

    private (string Path, string Manifest) Paths(string name)
    {
        ObjectNames.Validate(Location, name);
        var relative = name.Replace('/', Path.DirectorySeparatorChar);
        return (Path.Combine(_root, relative), Path.Combine(_root, ManifestDirectory, relative));
    }

    private static string TemporaryName(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");

    private FileStream OpenData(string name, string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointNotFoundException($"{Location}: no object '{name}'", e);
        }
    }

    private BlockManifest? ReadManifest(string name, string manifestPath, FileStream file)
    {
        var manifest = BlockManifest.TryRead(Location, name, manifestPath);
        if (manifest is not null && manifest.Length != file.Length)
        {
            throw new CheckpointCorruptException($"{Location}: '{name}' is corrupt: {file.Length} bytes, its manifest records {manifest.Length}");
        }
        return manifest;
    }

    private StoredObject? Current(string name, string path, string manifestPath) =>
        File.Exists(path) ? Describe(name, path, BlockManifest.TryRead(Location, name, manifestPath)) : null;

    private static StoredObject Describe(string name, string path, BlockManifest? manifest)
    {
        var info = new FileInfo(path);
        // A file put there by other means has no version id: its time and length stand in.
        var etag = manifest?.Version ?? $"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}";
        return new StoredObject(name, info.Length, etag, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
    }

    private void CheckCondition(string name, WriteCondition condition, StoredObject? current)
    {
        if (condition.IfNotExists && current is not null)
        {
            throw new CheckpointConflictException($"{Location}: '{name}' already exists (version {current.ETag}); this write required that it did not");
        }
        if (condition.IfMatch is { } expected && current?.ETag != expected)
        {
            throw new CheckpointConflictException(
                $"{Location}: '{name}' was replaced by another writer (version {current?.ETag ?? "none"}, this write expected {expected})");
        }
    }
}
