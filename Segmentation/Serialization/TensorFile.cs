using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>Opens a weight file of either supported format, told apart by content rather than extension.</summary>
public static class TensorFile
{
    /// <summary>
    /// Opens <paramref name="path"/> with <see cref="TorchCheckpointReader"/> when it is a zip archive (a
    /// <c>torch.save</c> checkpoint, usually <c>.pth</c>/<c>.pt</c>) and with <see cref="SafeTensorsReader"/> otherwise.
    /// </summary>
    /// <exception cref="TensorFileException">The file is malformed for the format it appears to be.</exception>
    public static ITensorFileReader Open(string path)
    {
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var isZip = read >= 4 && head[..4].SequenceEqual("PK\x03\x04"u8);
        // safetensors: an 8-byte little-endian header length, then the JSON header. Its first byte can be 0x80 too.
        var isSafeTensors = read == 9 && head[8] == (byte)'{';
        var isLegacyPickle = !isSafeTensors && read >= 1 && head[0] == 0x80;
        return isZip || isLegacyPickle ? TorchCheckpointReader.Open(path) : SafeTensorsReader.Open(path);
    }
}
