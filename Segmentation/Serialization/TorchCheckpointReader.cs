using TorchSharp;
using static TorchSharp.torch;
using System.Buffers;
using System.IO.Compression;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// Reads a checkpoint written by <c>torch.save</c> (the zip format of PyTorch ≥ 1.6): a plain dict of tensors, a
/// <c>module.state_dict()</c>, or a training checkpoint that nests one (<c>{"state_dict": ..., "epoch": 3}</c>).
/// </summary>
/// <remarks>
/// <para>Naming: nested dicts, lists and tuples are flattened with dots, as <c>state_dict()</c> names submodules.
/// A state dict saved directly keeps its own names (<c>backbone.conv1.weight</c>); one nested under
/// <c>"state_dict"</c> gives <c>state_dict.backbone.conv1.weight</c>; list items are named by index. Tensors go to
/// <see cref="Entries"/>, plain values (int, float, bool, str, None) to <see cref="Values"/>; a tensor saved alone is
/// named "". <c>state_dict()</c>'s <c>_metadata</c> attribute is read and ignored.</para>
/// <para>Tensors that are views (a storage offset, transposed or stepped strides, expanded) are materialized
/// contiguous on read; tensors sharing a storage are read from the same record. Parameters read as their data.</para>
/// <para>Concurrent reads of one instance are safe but serialized (the zip archive is shared).</para>
/// </remarks>
public sealed class TorchCheckpointReader : ITensorFileReader
{
    private readonly ZipArchive _archive;
    private readonly string _prefix;
    private readonly bool _bigEndian;
    private readonly Dictionary<string, (TensorEntry Entry, TorchTensorView View)> _byName;

    private TorchCheckpointReader(string path, ZipArchive archive, string prefix)
    {
        FilePath = path;
        _archive = archive;
        _prefix = prefix;
        _bigEndian = ReadByteOrder();
        var flat = CheckpointFlattener.Flatten(path, Unpickle());
        _byName = new(StringComparer.Ordinal);
        var entries = new List<TensorEntry>();
        foreach (var (name, view) in flat.Tensors)
        {
            CheckView(name, view);
            var entry = new TensorEntry(name, view.Storage.DType, view.Size);
            entries.Add(entry);
            _byName.Add(name, (entry, view));
        }
        Entries = entries;
        Values = flat.Values;
    }

    /// <inheritdoc />
    public string FilePath { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Entries { get; }

    /// <summary>
    /// The non-tensor leaves by dotted name (e.g. <c>epoch</c> → 3): <see cref="long"/> (or
    /// <see cref="System.Numerics.BigInteger"/>), <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>,
    /// <c>byte[]</c> or null.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Values { get; }

    /// <summary>Opens <paramref name="path"/>, reads its pickle and checks every tensor against its storage.</summary>
    /// <exception cref="TensorFileException">Not a zip checkpoint (e.g. the legacy format), an unsupported object, or inconsistent data.</exception>
    public static TorchCheckpointReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException e)
        {
            var legacy = LooksLikeLegacyFormat(stream);
            stream.Dispose();
            throw new TensorFileException(path, legacy
                ? "legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with a current torch.save"
                : "not a zip archive, so not a torch.save checkpoint", e);
        }
        try
        {
            return new TorchCheckpointReader(path, archive, FindPrefix(path, archive));
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public TensorEntry? Find(string name) => _byName.TryGetValue(name, out var item) ? item.Entry : null;

    /// <inheritdoc />
    public void ReadInto(string name, Span<byte> destination)
    {
        if (!_byName.TryGetValue(name, out var item))
            throw new KeyNotFoundException($"{FilePath}: no tensor named '{name}'");
        var (entry, view) = item;
        if (destination.Length != entry.ByteLength)
            throw new ArgumentException($"tensor '{name}' is {entry.ByteLength} bytes, destination is {destination.Length}", nameof(destination));
        var elementSize = entry.DType.ElementSize();
        try
        {
            // ZipArchive is not thread-safe: reads of one checkpoint are serialized.
            lock (_archive)
                ReadView(view, elementSize, destination);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new TensorFileException(FilePath, $"tensor '{name}': storage record {_prefix}data/{view.Storage.Key} is corrupt", e);
        }
        if (_bigEndian)
            StridedCopy.SwapBytes(destination, elementSize);
    }

    private void ReadView(TorchTensorView view, int elementSize, Span<byte> destination)
    {
        using var stream = StorageEntry(view.Storage).Open();
        Skip(stream, view.StorageOffset * elementSize);
        if (view.IsContiguous)
        {
            stream.ReadExactly(destination);
            return;
        }
        var rangeLength = checked((int)(view.Extent * elementSize));
        var buffer = ArrayPool<byte>.Shared.Rent(rangeLength);
        try
        {
            stream.ReadExactly(buffer.AsSpan(0, rangeLength));
            StridedCopy.Gather(buffer.AsSpan(0, rangeLength), view.Size, view.Stride, elementSize, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
    public void Dispose() => _archive.Dispose();

    private static string FindPrefix(string path, ZipArchive archive)
    {
        var pickles = archive.Entries
            .Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
            .ToList();
        if (pickles.Count == 1)
            return pickles[0].FullName[..^"data.pkl".Length];
        if (pickles.Count > 1)
            throw new TensorFileException(path, $"{pickles.Count} data.pkl records; expected one");
        var torchScript = archive.Entries.Any(e => e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal));
        throw new TensorFileException(path, torchScript
            ? "a TorchScript archive (torch.jit.save) is not supported; save the state_dict() with torch.save"
            : "zip archive without an <archive>/data.pkl record, so not a torch.save checkpoint");
    }

    private bool ReadByteOrder()
    {
        var record = _archive.GetEntry(_prefix + "byteorder");
        if (record is null)
            return false; // PyTorch before 2.1 writes none: little-endian.
        using var reader = new StreamReader(record.Open());
        return reader.ReadToEnd().Trim() switch
        {
            "little" => false,
            "big" => true,
            var other => throw new TensorFileException(FilePath, $"unknown byteorder '{other}'"),
        };
    }

    private object? Unpickle()
    {
        var record = _archive.GetEntry(_prefix + "data.pkl")!;
        var pickle = new byte[record.Length];
        using (var stream = record.Open())
            stream.ReadExactly(pickle);
        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        return new Unpickler(FilePath, record.FullName, pickle,
            (module, name) => TorchPickleGlobals.Find(FilePath, module, name),
            pid => LoadStorage(pid, storages)).Load();
    }

    // persistent_id of a storage: ('storage', torch.XStorage, key, location, numel). One object per key, so that
    // tensors sharing a storage share the record.
    private TorchStorage LoadStorage(object? pid, Dictionary<string, TorchStorage> storages)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage" || t[1] is not PickleGlobal type
            || t[2] is not string key || t[4] is not long numel || numel < 0)
            throw new TensorFileException(FilePath, "unsupported persistent id; expected ('storage', type, key, location, numel)");
        if (!TorchPickleGlobals.TryGetStorageType(type, out var dtype))
            throw new TensorFileException(FilePath, $"storage {key}: unsupported storage type '{type.QualifiedName}'");
        if (storages.TryGetValue(key, out var known))
            return known.DType == dtype ? known : throw new TensorFileException(FilePath, $"storage {key} is read as both {known.DType} and {dtype}");
        var storage = new TorchStorage(key, dtype, numel);
        var record = StorageEntry(storage);
        if (record.Length != numel * dtype.ElementSize())
            throw new TensorFileException(FilePath, $"storage {key}: record holds {record.Length} bytes, {numel} × {dtype} needs {numel * dtype.ElementSize()}");
        storages[key] = storage;
        return storage;
    }

    private ZipArchiveEntry StorageEntry(TorchStorage storage) =>
        _archive.GetEntry($"{_prefix}data/{storage.Key}")
        ?? throw new TensorFileException(FilePath, $"storage record {_prefix}data/{storage.Key} is missing");

    private void CheckView(string name, TorchTensorView view)
    {
        long end;
        try
        {
            end = checked(view.StorageOffset + view.Extent);
        }
        catch (OverflowException)
        {
            throw new TensorFileException(FilePath, $"tensor '{name}': view size overflows");
        }
        if (end > view.Storage.ElementCount)
            throw new TensorFileException(FilePath,
                $"tensor '{name}': view [offset {view.StorageOffset}, size [{string.Join(", ", view.Size)}], stride [{string.Join(", ", view.Stride)}]] runs past storage {view.Storage.Key} of {view.Storage.ElementCount} elements");
    }

    private static void Skip(Stream stream, long count)
    {
        if (count == 0)
            return;
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (count > 0)
            {
                var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
                if (read == 0)
                    throw new EndOfStreamException();
                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The legacy format is a bare pickle stream that begins with the magic number 0x1950a86a20f9469cfc6c (LONG1).
    private static bool LooksLikeLegacyFormat(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        stream.Position = 0;
        return stream.Read(head) == 4 && head[0] == 0x80 && head[2] == 0x8a && head[3] == 0x0a;
    }
}
