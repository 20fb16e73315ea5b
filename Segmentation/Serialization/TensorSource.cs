using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>
/// A tensor to be written: its <see cref="TensorEntry"/> and how to produce its bytes (contiguous, row-major,
/// little-endian). The bytes are produced only when the writer reaches this tensor, so a caller can stream each
/// tensor from native memory without holding the whole file.
/// </summary>
public sealed class TensorSource
{
    private readonly Action<Stream> _writeData;

    private TensorSource(TensorEntry entry, Action<Stream> writeData)
    {
        Entry = entry;
        _writeData = writeData;
    }

    /// <summary>The tensor's name, dtype and shape.</summary>
    public TensorEntry Entry { get; }

    /// <summary>A tensor whose bytes are already in memory; <paramref name="data"/> must be exactly the entry's byte length.</summary>
    /// <exception cref="ArgumentException">The data length does not match dtype × shape.</exception>
    public static TensorSource FromBytes(string name, ScalarType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data)
    {
        var entry = new TensorEntry(name, dtype, shape);
        if (data.Length != entry.ByteLength)
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given, {entry} needs {entry.ByteLength}", nameof(data));
        return new TensorSource(entry, stream => stream.Write(data.Span));
    }

    /// <summary>
    /// A tensor whose bytes <paramref name="writeData"/> writes into the stream it is given (e.g. from a pointer into
    /// native tensor memory). It must write exactly the entry's byte length; the stream refuses more.
    /// </summary>
    public static TensorSource FromWriter(string name, ScalarType dtype, IReadOnlyList<long> shape, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        return new TensorSource(new TensorEntry(name, dtype, shape), writeData);
    }

    /// <summary>Writes the bytes into <paramref name="stream"/>.</summary>
    internal void WriteData(Stream stream) => _writeData(stream);
}
