using System.Globalization;
using System.Text;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// Block ids that carry their block's checksum: base64 of <c>u2pl-NNNNNN-MD5HEX</c> (44 ASCII bytes, the same length
/// for every block as the service requires). Get Block List then tells a reader each block's offset, size and
/// expected MD5, so a blob verifies itself without a manifest, and a block replaced by other means is detected.
/// </summary>
internal static class BlockIds
{
    private const string Prefix = "u2pl-";

    public static string Create(int index, string md5Hex) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{index:D6}-{md5Hex}")));

    /// <summary>The MD5 a block id records, or null for a block this store did not write.</summary>
    public static string? Checksum(string blockId)
    {
        Span<byte> bytes = stackalloc byte[64];
        if (!Convert.TryFromBase64String(blockId, bytes, out var written))
        {
            return null;
        }
        var text = Encoding.ASCII.GetString(bytes[..written]);
        return text.Length == Prefix.Length + 7 + BlockChecksum.HexLength && text.StartsWith(Prefix, StringComparison.Ordinal) && text[Prefix.Length + 6] == '-'
            ? text[(Prefix.Length + 7)..]
            : null;
    }
}
