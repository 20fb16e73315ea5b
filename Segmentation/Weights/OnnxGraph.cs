using System.Runtime.InteropServices;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Weights;

/// <summary>
/// An ONNX graph as the importer reads it: its nodes in file order, its initializers by name, and its data input.
/// OnnxSharp parses the protobuf; the little that is ours is turning an initializer into a tensor and reading
/// attributes with ONNX's defaults, and naming the node in every error.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, TensorProto> _initializers;

    private OnnxGraph(string path, GraphProto graph)
    {
        FilePath = path;
        Nodes = graph.Node;
        _initializers = graph.Initializer.ToDictionary(tensor => tensor.Name);
        // Before IR version 4, initializers are listed among the inputs too: the data input is the one that is not.
        Input = graph.Input.Select(input => input.Name).FirstOrDefault(name => !_initializers.ContainsKey(name))
            ?? throw new WeightsException($"{path}: the graph has no data input");
    }

    public string FilePath { get; }

    public IReadOnlyList<NodeProto> Nodes { get; }

    /// <summary>The graph's data input (not an initializer).</summary>
    public string Input { get; }

    public static OnnxGraph Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new WeightsException($"{path}: no such file");
        }
        try
        {
            // Read-only and shared: the shards of a run on one silo load the same file at once (ParseFromFile opens it
            // for writing, exclusively).
            using var stream = File.OpenRead(path);
            return new OnnxGraph(path, ModelProto.Parser.ParseFrom(stream).Graph);
        }
        catch (Exception e) when (e is Google.Protobuf.InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            throw new WeightsException($"{path}: not an ONNX model: {e.Message}", e);
        }
    }

    /// <summary>The error for <paramref name="node"/>: file, node name (or position and output when unnamed) and op type, then what is wrong.</summary>
    public WeightsException Refuse(NodeProto node, string problem)
    {
        var name = node.Name.Length > 0
            ? $"'{node.Name}'"
            : $"{Nodes.ToList().IndexOf(node)} (unnamed, output '{node.Output.FirstOrDefault()}')";
        return new WeightsException($"{FilePath}: node {name} ({node.OpType}): {problem}");
    }

    public bool IsInitializer(string name) => _initializers.ContainsKey(name);

    /// <summary>The shape of initializer <paramref name="name"/>, or null when it is not one.</summary>
    public long[]? ShapeOf(string name) => _initializers.TryGetValue(name, out var tensor) ? [.. tensor.Dims] : null;

    /// <summary>The initializer that is input <paramref name="index"/> of <paramref name="node"/>, as a float32 tensor.</summary>
    public Tensor Initializer(NodeProto node, int index)
    {
        if (index >= node.Input.Count || !_initializers.TryGetValue(node.Input[index], out var proto))
        {
            throw Refuse(node, $"input {index} is not an initializer");
        }
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw Refuse(node, $"initializer '{proto.Name}' is of ONNX data type {proto.DataType}, expected float (1)");
        }
        long[] shape = [.. proto.Dims];
        var count = shape.Aggregate(1L, (product, dim) => product * dim);
        // Exporters store floats either packed in raw_data (little-endian) or in the repeated float_data field.
        var values = proto.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray() : proto.FloatData.ToArray();
        if (values.Length != count)
        {
            throw Refuse(node, $"initializer '{proto.Name}' holds {values.Length} values for shape [{string.Join(", ", shape)}]");
        }
        return torch.tensor(values, shape);
    }

    /// <summary>The integers of attribute <paramref name="name"/>, or <paramref name="fallback"/> when absent (ONNX's default).</summary>
    public static long[] Ints(NodeProto node, string name, long[] fallback) =>
        node.Attribute.FirstOrDefault(attribute => attribute.Name == name) is { } found ? [.. found.Ints] : fallback;

    public static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(attribute => attribute.Name == name)?.I ?? fallback;

    public static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(attribute => attribute.Name == name)?.F ?? fallback;

    public static string String(NodeProto node, string name, string fallback) =>
        node.Attribute.FirstOrDefault(attribute => attribute.Name == name)?.S.ToStringUtf8() ?? fallback;
}
