using TorchSharp;
using static TorchSharp.torch;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// Reads a safetensors file: validates the whole header on open, then reads one tensor's bytes at a time with
/// positional reads, so that concurrent <see cref="ReadInto"/> calls are safe and the file is never loaded whole.
/// </summary>
/// <example><code>
/// using var reader = SafeTensorsReader.Open("resnet50.safetensors");
/// foreach (var entry in reader.Entries)
///     reader.ReadInto(entry.Name, destinationSpan);
/// </code></example>
public sealed class SafeTensorsReader : ITensorFileReader
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafeTensorsHeader.Located> _byName;

    private SafeTensorsReader(string path, SafeFileHandle handle, SafeTensorsHeader.Parsed header)
    {
        FilePath = path;
        _handle = handle;
        Metadata = header.Metadata;
        Entries = header.Tensors.Select(t => t.Entry).ToArray();
        _byName = header.Tensors.ToDictionary(t => t.Entry.Name, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string FilePath { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Entries { get; }

    /// <summary>Opens <paramref name="path"/> and validates its header.</summary>
    /// <exception cref="TensorFileException">The file is truncated or its header is malformed.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static SafeTensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            return new SafeTensorsReader(path, handle, ReadHeader(path, handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public TensorEntry? Find(string name) => _byName.TryGetValue(name, out var located) ? located.Entry : null;

    /// <inheritdoc />
    public void ReadInto(string name, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_byName.TryGetValue(name, out var located))
            throw new KeyNotFoundException($"{FilePath}: no tensor named '{name}'");
        if (destination.Length != located.Entry.ByteLength)
            throw new ArgumentException(
                $"tensor '{name}' is {located.Entry.ByteLength} bytes, destination is {destination.Length}", nameof(destination));
        ReadExactly(FilePath, _handle, destination, located.FileOffset);
    }

    /// <inheritdoc />
    public byte[] ReadBytes(string name)
    {
        var entry = Find(name) ?? throw new KeyNotFoundException($"{FilePath}: no tensor named '{name}'");
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)entry.ByteLength));
        ReadInto(name, bytes);
        return bytes;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private static SafeTensorsHeader.Parsed ReadHeader(string path, SafeFileHandle handle)
    {
        var fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw new TensorFileException(path, $"truncated: {fileLength} bytes, too short for the 8-byte header length");

        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(path, handle, prefix, 0);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > SafeTensorsHeader.MaxHeaderLength)
            throw new TensorFileException(path, $"header too long: {headerLength} bytes (limit {SafeTensorsHeader.MaxHeaderLength})");
        if ((long)headerLength > fileLength - 8)
            throw new TensorFileException(path, $"truncated: header length says {headerLength} bytes but only {fileLength - 8} follow");
        if (headerLength < 2)
            throw new TensorFileException(path, $"header length {headerLength} is too short for a JSON object");

        var json = new byte[headerLength];
        ReadExactly(path, handle, json, 8);
        var dataStart = 8 + (long)headerLength;
        return SafeTensorsHeader.Parse(path, json, dataStart, fileLength - dataStart);
    }

    private static void ReadExactly(string path, SafeFileHandle handle, Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(handle, destination, offset);
            if (read == 0)
                throw new TensorFileException(path, $"truncated: unexpected end of file at byte {offset}");
            destination = destination[read..];
            offset += read;
        }
    }
}
