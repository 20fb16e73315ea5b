using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>
/// A weight file opened for reading: the list of tensors, and their bytes on demand, so that a caller can read each
/// tensor straight into native tensor memory without holding the whole file.
/// </summary>
public interface ITensorFileReader : IDisposable
{
    /// <summary>The path the reader was opened on.</summary>
    string FilePath { get; }

    /// <summary>The tensors, in file order.</summary>
    IReadOnlyList<TensorEntry> Entries { get; }

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    TensorEntry? Find(string name);

    /// <summary>
    /// Copies the contiguous little-endian bytes of tensor <paramref name="name"/> into <paramref name="destination"/>,
    /// which must be exactly <see cref="TensorEntry.ByteLength"/> long.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="ArgumentException">The destination has the wrong length.</exception>
    /// <exception cref="TensorFileException">The file is truncated or its data is inconsistent.</exception>
    void ReadInto(string name, Span<byte> destination);

    /// <summary>The contiguous little-endian bytes of tensor <paramref name="name"/>, in a new array.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    byte[] ReadBytes(string name);
}
