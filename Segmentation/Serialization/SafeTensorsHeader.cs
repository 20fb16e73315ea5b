using TorchSharp;
using static TorchSharp.torch;
using System.Text;
using System.Text.Json;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// Parses and validates a safetensors header (https://github.com/huggingface/safetensors, "Format"): every problem
/// becomes a <see cref="TensorFileException"/> naming the file, because a silently misread weight is worse than none.
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>The same cap as the reference implementation: a header larger than this is refused.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved header key holding string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>A parsed tensor: its entry and the absolute file offset of its first byte.</summary>
    public readonly record struct Located(TensorEntry Entry, long FileOffset);

    /// <summary>The parsed header.</summary>
    public sealed record Parsed(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<Located> Tensors);

    /// <summary>Parses <paramref name="json"/> (the header bytes) of a file whose data buffer is <paramref name="dataLength"/> bytes.</summary>
    public static Parsed Parse(string path, ReadOnlySpan<byte> json, long dataStart, long dataLength)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json);
        }
        catch (DecoderFallbackException e)
        {
            throw new TensorFileException(path, "header is not valid UTF-8", e);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text.TrimEnd(' '));
        }
        catch (JsonException e)
        {
            throw new TensorFileException(path, $"header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new TensorFileException(path, $"header JSON is a {doc.RootElement.ValueKind}, expected an object");

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<(TensorEntry Entry, long Begin, long End)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new TensorFileException(path, $"header names '{property.Name}' twice");
                if (property.Name == MetadataKey)
                    ReadMetadata(path, property.Value, metadata);
                else
                    tensors.Add(ReadTensor(path, property.Name, property.Value));
            }

            CheckLayout(path, tensors, dataLength);
            var located = tensors.Select(t => new Located(t.Entry, dataStart + t.Begin)).ToArray();
            return new Parsed(metadata, located);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new TensorFileException(path, $"'{MetadataKey}' is a {value.ValueKind}, expected an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new TensorFileException(path, $"metadata value '{item.Name}' is a {item.Value.ValueKind}, expected a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new TensorFileException(path, $"metadata names '{item.Name}' twice");
        }
    }

    private static (TensorEntry Entry, long Begin, long End) ReadTensor(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new TensorFileException(path, $"tensor '{name}': header value is a {value.ValueKind}, expected an object");

        string? dtypeName = null;
        long[]? shape = null, offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            var repeated = field.Name switch
            {
                "dtype" => dtypeName is not null,
                "shape" => shape is not null,
                "data_offsets" => offsets is not null,
                _ => throw new TensorFileException(path, $"tensor '{name}': unexpected field '{field.Name}'"),
            };
            if (repeated)
                throw new TensorFileException(path, $"tensor '{name}': field '{field.Name}' given twice");
            switch (field.Name)
            {
                case "dtype":
                    dtypeName = field.Value.ValueKind == JsonValueKind.String
                        ? field.Value.GetString()!
                        : throw new TensorFileException(path, $"tensor '{name}': dtype is a {field.Value.ValueKind}, expected a string");
                    break;
                case "shape":
                    shape = ReadIntegers(path, name, "shape", field.Value);
                    break;
                default:
                    offsets = ReadIntegers(path, name, "data_offsets", field.Value);
                    break;
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
            throw new TensorFileException(path, $"tensor '{name}': needs \"dtype\", \"shape\" and \"data_offsets\"");
        if (!SafeTensorsDType.TryParse(dtypeName, out var dtype))
        {
            var why = SafeTensorsDType.IsKnownButUnsupported(dtypeName) ? "unsupported" : "unknown";
            throw new TensorFileException(path, $"tensor '{name}': {why} dtype '{dtypeName}'");
        }
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw new TensorFileException(path, $"tensor '{name}': data_offsets must be [begin, end] with begin <= end, got [{string.Join(", ", offsets)}]");

        var count = TensorShape.ElementCount(shape);
        var bytes = count is { } n ? TensorShape.ByteLength(n, dtype) : null;
        if (bytes is null)
            throw new TensorFileException(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] overflows");
        if (bytes != offsets[1] - offsets[0])
            throw new TensorFileException(path,
                $"tensor '{name}': data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]} bytes but {dtypeName} [{string.Join(", ", shape)}] needs {bytes}");
        return (new TensorEntry(name, dtype, shape), offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(string path, string name, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw new TensorFileException(path, $"tensor '{name}': {field} is a {value.ValueKind}, expected an array");
        var result = new long[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
                throw new TensorFileException(path, $"tensor '{name}': {field} holds {item.GetRawText()}, expected a non-negative integer");
            result[i++] = number;
        }
        return result;
    }

    // The spec forbids holes and overlaps: sorted by offset, the tensors tile the data buffer exactly.
    private static void CheckLayout(string path, List<(TensorEntry Entry, long Begin, long End)> tensors, long dataLength)
    {
        long expected = 0;
        foreach (var (entry, begin, end) in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (end > dataLength)
                throw new TensorFileException(path,
                    $"tensor '{entry.Name}': data_offsets [{begin}, {end}] out of range: the data buffer holds {dataLength} bytes (truncated file?)");
            if (begin != expected)
                throw new TensorFileException(path, begin > expected
                    ? $"tensor '{entry.Name}': data starts at {begin}, leaving a hole after byte {expected}"
                    : $"tensor '{entry.Name}': data [{begin}, {end}] overlaps the previous tensor, which ends at {expected}");
            expected = end;
        }
        if (expected != dataLength)
            throw new TensorFileException(path, $"{dataLength - expected} bytes after the last tensor belong to none");
    }
}
