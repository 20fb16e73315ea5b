using System.Globalization;

namespace U2PL.Checkpoints.Files;

/// <summary>
/// The sidecar of a stored file (<c>.blocks/NAME</c>): the version id that serves as its ETag, the block size, the
/// length and one MD5 per block. Text, one item a line:
/// <code>
/// u2pl-blocks 1 VERSION BLOCK_SIZE LENGTH
/// md5-of-block-0
/// ...
/// </code>
/// </summary>
internal sealed record BlockManifest(string Version, int BlockSize, long Length, IReadOnlyList<string> Checksums)
{
    private const string Magic = "u2pl-blocks";

    public int BlockCount => Checksums.Count;

    public string Format() =>
        string.Join('\n', [string.Create(CultureInfo.InvariantCulture, $"{Magic} 1 {Version} {BlockSize} {Length}"), .. Checksums]) + "\n";

    /// <summary>The manifest at <paramref name="path"/>, or null when there is none (a file put there by other means).</summary>
    public static BlockManifest? TryRead(string location, string name, string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var header = lines.Length > 0 ? lines[0].Split(' ') : [];
        if (header is not [Magic, "1", var version, var size, var length]
            || !int.TryParse(size, CultureInfo.InvariantCulture, out var blockSize) || blockSize <= 0
            || !long.TryParse(length, CultureInfo.InvariantCulture, out var total) || total < 0)
        {
            throw new CheckpointCorruptException($"{location}: '{name}' is corrupt: its block manifest {path} is unreadable");
        }
        var checksums = lines.Skip(1).Where(l => l.Length > 0).ToArray();
        if (checksums.Length != (int)((total + blockSize - 1) / blockSize) || checksums.Any(c => c.Length != BlockChecksum.HexLength))
        {
            throw new CheckpointCorruptException($"{location}: '{name}' is corrupt: its block manifest {path} does not fit a length of {total} bytes");
        }
        return new BlockManifest(version, blockSize, total, checksums);
    }
}
