namespace U2PL.Checkpoints;

/// <summary>File-to-object and object-to-file copies over any <see cref="ICheckpointStore"/>.</summary>
public static class CheckpointStoreExtensions
{
    /// <summary>Uploads the file at <paramref name="path"/> as <paramref name="name"/>, streamed.</summary>
    public static async Task<StoredObject> UploadFileAsync(this ICheckpointStore store, string name, string path, WriteCondition condition = default,
        CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await store.UploadAsync(name, file, condition, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads <paramref name="name"/> to <paramref name="path"/>: to a temporary file beside it, renamed only once
    /// every block is verified, so a failed download never leaves a partial or corrupt file at <paramref name="path"/>.
    /// </summary>
    public static async Task<StoredObject> DownloadFileAsync(this ICheckpointStore store, string name, string path, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            StoredObject stored;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                stored = await store.DownloadAsync(name, file, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
            return stored;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
