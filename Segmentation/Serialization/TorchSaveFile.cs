using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// A file written by <c>torch.save</c> (the zip format of PyTorch ≥ 1.6): a plain dict of tensors, a
/// <c>module.state_dict()</c> (its <c>_metadata</c> ignored), or a training checkpoint that nests one
/// (<c>{"state_dict": ..., "epoch": 3}</c>), read into CPU tensors by TorchSharp.PyBridge's <c>PyTorchUnpickler</c>.
/// </summary>
/// <remarks>
/// <para>Ours, because PyBridge does not do it: the dotted names (nested dicts, lists and tuples flattened as
/// <c>state_dict()</c> names submodules: <c>state_dict.conv.weight</c>, <c>params.0</c>); plain values apart from
/// tensors; the <c>byteorder</c> record (PyBridge reads every storage as little-endian, so a big-endian file would
/// load as garbage: its tensors are swapped here); and errors that name the file and the problem, where PyBridge
/// throws <see cref="NotImplementedException"/> or LINQ's "Sequence contains no matching element".</para>
/// <para>Not readable (PyBridge 1.4.4 rebuilds each tensor as a fresh contiguous tensor the size of its view): views
/// that are non-contiguous (transposed, stepped, expanded, channels_last) or start inside a larger storage (sliced,
/// narrowed). They are refused with that reason; a state dict saved from a model's own parameters has none.</para>
/// </remarks>
public sealed class TorchSaveFile : IDisposable
{
    private TorchSaveFile(string path, Dictionary<string, Tensor> tensors, Dictionary<string, object?> values)
    {
        FilePath = path;
        Tensors = tensors;
        Values = values;
    }

    /// <summary>The path the file was read from.</summary>
    public string FilePath { get; }

    /// <summary>Every tensor by dotted name, as CPU tensors this instance owns (or the caller's dispose scope, if one is open).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>
    /// The non-tensor leaves by dotted name (e.g. <c>epoch</c> → 3): <see cref="long"/> (or <see cref="BigInteger"/>),
    /// <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>, <c>byte[]</c> or null.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Values { get; }

    /// <summary>Whether <paramref name="path"/> looks like a <c>torch.save</c> file (a zip archive, or the legacy pickle) rather than safetensors.</summary>
    public static bool IsTorchSave(string path)
    {
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var isZip = read >= 4 && head[..4].SequenceEqual("PK\x03\x04"u8);
        // safetensors: an 8-byte little-endian header length, then the JSON header. Its first byte can be 0x80 too.
        var isSafeTensors = read == 9 && head[8] == (byte)'{';
        return isZip || (!isSafeTensors && read >= 1 && head[0] == 0x80);
    }

    /// <summary>Reads every tensor and plain value of <paramref name="path"/>.</summary>
    /// <exception cref="TensorFileException">Not a torch.save zip archive (e.g. the legacy format), an object that is not a
    /// tensor or a plain value, a view PyBridge cannot read, or a missing or corrupt record.</exception>
    public static TorchSaveFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (prefix, records, bigEndian) = CheckArchive(path);
        object? root;
        using (var scope = torch.NewDisposeScope())
        {
            try
            {
                root = PyTorchUnpickler.UnpickleStateDict(path);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw Explain(path, prefix, records, e);
            }
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            Flatten(path, "", root, tensors, values);
            foreach (var tensor in tensors.Values)
            {
                if (bigEndian)
                    SwapBytes(tensor);
                tensor.MoveToOuterDisposeScope();
            }
            return new TorchSaveFile(path, tensors, values);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }

    // What PyBridge would report badly: not a zip (or the legacy format), no or several data.pkl, TorchScript, byte order.
    private static (string Prefix, string[] Records, bool BigEndian) CheckArchive(string path)
    {
        using var stream = File.OpenRead(path);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new TensorFileException(path, LooksLikeLegacyFormat(stream)
                ? "legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with a current torch.save"
                : "not a zip archive, so not a torch.save checkpoint", e);
        }
        using (archive)
        {
            var pickles = archive.Entries
                .Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                .ToList();
            if (pickles.Count != 1)
            {
                var torchScript = archive.Entries.Any(e => e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal));
                throw new TensorFileException(path, pickles.Count > 1 ? $"{pickles.Count} data.pkl records; expected one"
                    : torchScript ? "a TorchScript archive (torch.jit.save) is not supported; save the state_dict() with torch.save"
                    : "zip archive without an <archive>/data.pkl record, so not a torch.save checkpoint");
            }
            var prefix = pickles[0].FullName[..^"data.pkl".Length];
            var records = archive.Entries.Select(e => e.FullName).Where(n => n.StartsWith(prefix + "data/", StringComparison.Ordinal)).ToArray();
            return (prefix, records, ReadByteOrder(path, archive.GetEntry(prefix + "byteorder")));
        }
    }

    private static bool ReadByteOrder(string path, ZipArchiveEntry? record)
    {
        if (record is null)
            return false; // PyTorch before 2.1 writes none: little-endian.
        using var reader = new StreamReader(record.Open());
        return reader.ReadToEnd().Trim() switch
        {
            "little" => false,
            "big" => true,
            var other => throw new TensorFileException(path, $"unknown byteorder '{other}'"),
        };
    }

    private static TensorFileException Explain(string path, string prefix, string[] records, Exception e) => e switch
    {
        // PyBridge looks each storage record up with Enumerable.First.
        InvalidOperationException when e.Message.Contains("no matching element", StringComparison.Ordinal) =>
            new TensorFileException(path, MissingStorage(prefix, records), e),
        InvalidOperationException when e.Message.Contains("non-contiguous", StringComparison.Ordinal) =>
            new TensorFileException(path, "holds a non-contiguous view (transposed, stepped, expanded or channels_last), which TorchSharp.PyBridge cannot read; save the tensors .contiguous()", e),
        ExternalException when e.Message.Contains("setStorage", StringComparison.Ordinal) =>
            new TensorFileException(path, "holds a view into a larger storage (sliced or narrowed), which TorchSharp.PyBridge cannot read; save the tensors .clone()d", e),
        NotImplementedException when e.Message.Contains("entire model", StringComparison.Ordinal) =>
            new TensorFileException(path, "holds nn.Parameter objects (a pickled module or optimizer), not a state dict; save model.state_dict()", e),
        // PyBridge casts the unpickled object to a dict.
        InvalidCastException => new TensorFileException(path, "its top-level object is not a dict (a state dict, or a checkpoint that holds one)", e),
        PickleException or InvalidDataException or EndOfStreamException =>
            new TensorFileException(path, $"corrupt torch.save checkpoint: {e.Message}", e),
        _ => new TensorFileException(path, $"not readable as a torch.save state dict: {e.GetType().Name}: {e.Message}", e),
    };

    // torch.save numbers its storage records 0, 1, 2, ... in order of first use: a gap is the missing one.
    private static string MissingStorage(string prefix, string[] records)
    {
        var keys = records.Select(r => int.TryParse(r[(prefix.Length + "data/".Length)..], NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : -1)
            .Where(k => k >= 0).ToHashSet();
        var gaps = Enumerable.Range(0, keys.Count == 0 ? 0 : keys.Max()).Where(k => !keys.Contains(k)).ToList();
        return gaps.Count > 0
            ? $"storage record {string.Join(", ", gaps.Select(k => $"{prefix}data/{k}"))} is missing"
            : $"a storage record under {prefix}data/ is missing (the archive has {keys.Count})";
    }

    private static void Flatten(string path, string name, object? value, Dictionary<string, Tensor> tensors, Dictionary<string, object?> values)
    {
        switch (value)
        {
            case Tensor tensor:
                Add(path, name, tensors, values);
                tensors[name] = tensor;
                return;
            case ClassDict instance:
                throw new TensorFileException(path, $"'{name}' holds a {instance.ClassName}, which is not a tensor or a plain value");
            case Hashtable dict:
                foreach (DictionaryEntry item in dict)
                    Flatten(path, Join(name, KeyText(item.Key)), item.Value, tensors, values);
                return;
            case ArrayList list:
                for (var i = 0; i < list.Count; i++)
                    Flatten(path, Join(name, i.ToString(CultureInfo.InvariantCulture)), list[i], tensors, values);
                return;
            case object?[] tuple:
                for (var i = 0; i < tuple.Length; i++)
                    Flatten(path, Join(name, i.ToString(CultureInfo.InvariantCulture)), tuple[i], tensors, values);
                return;
            case null or bool or long or double or string or BigInteger or byte[]:
                Add(path, name, tensors, values);
                values[name] = value;
                return;
            case int small:
                Add(path, name, tensors, values);
                values[name] = (long)small;
                return;
            default:
                throw new TensorFileException(path, $"'{name}' holds a {value.GetType().Name}, which is not a tensor or a plain value");
        }
    }

    private static void Add(string path, string name, Dictionary<string, Tensor> tensors, Dictionary<string, object?> values)
    {
        if (tensors.ContainsKey(name) || values.ContainsKey(name))
            throw new TensorFileException(path, $"two objects flatten to the name '{name}'");
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    private static string KeyText(object key) => key switch
    {
        string s => s,
        bool b => b ? "True" : "False",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => key.ToString()!,
    };

    private static void SwapBytes(Tensor tensor)
    {
        var size = tensor.ElementSize;
        if (size == 1)
            return;
        var bytes = tensor.bytes.ToArray();
        for (var i = 0; i < bytes.Length; i += (int)size)
            bytes.AsSpan(i, (int)size).Reverse();
        tensor.bytes = bytes;
    }

    // The legacy format is a bare pickle stream that begins with the magic number 0x1950a86a20f9469cfc6c (LONG1).
    private static bool LooksLikeLegacyFormat(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        stream.Position = 0;
        return stream.Read(head) == 4 && head[0] == 0x80 && head[2] == 0x8a && head[3] == 0x0a;
    }
}
