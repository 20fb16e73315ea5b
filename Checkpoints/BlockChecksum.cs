using System.Security.Cryptography;

namespace U2PL.Checkpoints;

/// <summary>
/// The per-block checksum both stores record at write time and check at read time: MD5, the digest Azure Blob
/// storage itself validates on Put Block (Content-MD5), as 32 lowercase hex digits.
/// </summary>
internal static class BlockChecksum
{
    public const int HexLength = 32;

    public static string Compute(ReadOnlySpan<byte> block) => Convert.ToHexStringLower(MD5.HashData(block));

    public static void Verify(string location, string name, int index, long offset, ReadOnlySpan<byte> block, string expected)
    {
        var actual = Compute(block);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointCorruptException(
                $"{location}: '{name}' is corrupt: block {index} (bytes {offset}..{offset + block.Length - 1}) has MD5 {actual}, expected {expected}");
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="stream"/> as far as it goes; fewer bytes only at its end.</summary>
    public static ValueTask<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken) =>
        stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
}
