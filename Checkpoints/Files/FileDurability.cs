using System.Runtime.InteropServices;

namespace U2PL.Checkpoints.Files;

/// <summary>
/// What makes a rename durable: the file's bytes are flushed before it (FileStream.Flush(true)), and the directory
/// entry after it, which .NET has no API for (a directory cannot be opened as a FileStream), hence open + fsync.
/// </summary>
internal static partial class FileDurability
{
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return; // best effort: some file systems refuse directory handles; the rename itself is still atomic
        }
        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Holds the store's lock file (<c>.lock</c>, an exclusive flock through FileShare.None) for the short
    /// compare-and-rename that makes conditional writes atomic across processes.
    /// </summary>
    public static async Task<FileStream> LockAsync(string location, string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new CheckpointStoreException($"{location}: the store's lock {path} stayed taken for a minute", e);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
