using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>
/// The Python globals a <c>torch.save</c>d state dict may name, each mapped to what REDUCE builds from it. Any other
/// global is refused: a checkpoint that pickles arbitrary objects is not a weight file this project can import.
/// </summary>
internal static class TorchPickleGlobals
{
    private static readonly Dictionary<string, ScalarType> s_storageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ScalarType.Float32,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["DoubleStorage"] = ScalarType.Float64,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
    };

    /// <summary>The storage type a <c>torch.XStorage</c> global stands for.</summary>
    public static bool TryGetStorageType(PickleGlobal global, out ScalarType dtype)
    {
        dtype = default;
        return global.Module == "torch" && s_storageTypes.TryGetValue(global.Name, out dtype);
    }

    /// <summary>Resolves a GLOBAL, or throws naming it.</summary>
    public static PickleGlobal Find(string filePath, string module, string name) => (module, name) switch
    {
        ("collections", "OrderedDict") => new(module, name, NewOrderedDict),
        ("torch._utils", "_rebuild_tensor_v2") => new(module, name, RebuildTensor),
        ("torch._utils", "_rebuild_tensor") => new(module, name, RebuildTensor),
        ("torch._utils", "_rebuild_parameter") => new(module, name, RebuildParameter),
        ("torch._utils", "_rebuild_parameter_with_state") => new(module, name, RebuildParameter),
        ("torch", _) when s_storageTypes.ContainsKey(name) => new(module, name),
        _ => throw new TensorFileException(filePath,
            $"unsupported Python global '{module}.{name}' in the pickle (only tensors, dicts, lists and plain values can be read)"),
    };

    private static object NewOrderedDict(object?[] args)
    {
        var dict = new PickleDict();
        if (args.Length == 0)
            return dict;
        if (args.Length == 1 && args[0] is List<object?> pairs)
        {
            foreach (var pair in pairs)
            {
                if (pair is not object?[] { Length: 2 } kv || kv[0] is null)
                    throw new InvalidDataException("OrderedDict items must be (key, value) pairs");
                dict.Set(kv[0]!, kv[1]);
            }
            return dict;
        }
        throw new InvalidDataException("unexpected OrderedDict arguments");
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]);
    // _rebuild_tensor(storage, storage_offset, size, stride). Grad flags and hooks do not matter for weights.
    private static object RebuildTensor(object?[] args)
    {
        if (args.Length < 4 || args[0] is not TorchStorage storage || args[1] is not long offset)
            throw new InvalidDataException("expected (storage, offset, size, stride, ...)");
        var size = ToLongs(args[2], "size");
        var stride = ToLongs(args[3], "stride");
        if (size.Length != stride.Length || size.Any(s => s < 0) || stride.Any(s => s < 0) || offset < 0)
            throw new InvalidDataException($"invalid view: offset {offset}, size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}]");
        return new TorchTensorView(storage, offset, size, stride);
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks[, state]): a Parameter is its data for our purposes.
    private static object RebuildParameter(object?[] args) =>
        args.Length >= 1 && args[0] is TorchTensorView view ? view : throw new InvalidDataException("expected a tensor");

    private static long[] ToLongs(object? value, string what) => value is object?[] tuple && tuple.All(v => v is long)
        ? tuple.Select(v => (long)v!).ToArray()
        : throw new InvalidDataException($"{what} must be a tuple of ints");
}
