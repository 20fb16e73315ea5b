using TorchSharp;
using static TorchSharp.torch;
using System.Buffers.Binary;
using System.Text.Json;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// Writes safetensors files (https://github.com/huggingface/safetensors, "Format"): tensors are streamed one at a
/// time into a temporary file beside the target, which is flushed to disk and then renamed over the target, so a
/// failed or interrupted write never leaves a partial file under the target's name.
/// </summary>
public static class SafeTensorsWriter
{
    private const int BufferSize = 1 << 20;

    /// <summary>
    /// Writes <paramref name="tensors"/> in the order given, with optional <c>__metadata__</c>, to <paramref name="path"/>
    /// (replacing any existing file).
    /// </summary>
    /// <exception cref="ArgumentException">Duplicate or reserved tensor names, or a dtype safetensors cannot hold.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="TensorSource"/> wrote the wrong number of bytes.</exception>
    public static void Write(string path, IReadOnlyList<TensorSource> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var header = BuildHeader(tensors, metadata);

        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        var tempPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                file.Write(header);
                foreach (var tensor in tensors)
                    WriteTensor(file, tensor);
                // fsync before the rename: otherwise a crash can leave the new name pointing at unwritten blocks.
                file.Flush(flushToDisk: true);
            }
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>The 8-byte length prefix and the JSON header, padded with spaces to a multiple of 8.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<TensorSource> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in tensors)
            {
                var entry = tensor.Entry;
                if (entry.Name == SafeTensorsHeader.MetadataKey)
                    throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
                if (!names.Add(entry.Name))
                    throw new ArgumentException($"tensor '{entry.Name}' given twice", nameof(tensors));
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", SafeTensorsDType.ToName(entry.DType));
                writer.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                    writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset = checked(offset + entry.ByteLength);
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        var jsonLength = (int)json.Length;
        var padded = (jsonLength + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.GetBuffer().AsSpan(0, jsonLength).CopyTo(header.AsSpan(8));
        header.AsSpan(8 + jsonLength).Fill((byte)' ');
        return header;
    }

    private static void WriteTensor(FileStream file, TensorSource tensor)
    {
        var bounded = new BoundedWriteStream(file, tensor.Entry.Name, tensor.Entry.ByteLength);
        tensor.WriteData(bounded);
        if (bounded.Written != tensor.Entry.ByteLength)
            throw new InvalidOperationException(
                $"tensor '{tensor.Entry.Name}': {bounded.Written} bytes written, {tensor.Entry} needs {tensor.Entry.ByteLength}");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original exception is the one that matters.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
