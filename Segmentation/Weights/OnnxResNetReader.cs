using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Models;

namespace U2PL.Segmentation.Weights;

/// <summary>
/// Reads a ResNet's weights out of an ONNX graph into torchvision's state-dict names. Hand-written because no library
/// maps an exported graph back onto module names: the exporter (CNTK here) names nodes and initializers by counters.
/// The nodes are walked in graph order as the torchvision layout runs them (stem conv, BN, ReLU, max pool; per block
/// conv/BN pairs with ReLUs between, the projection's conv/BN pair before or after them, Add, ReLU), and every node is
/// checked against the architecture: op type, the tensor it consumes, weight shapes, strides, pads, no bias, BN's
/// epsilon. The first node that does not fit is refused by name. Nodes after the last block (pooling, a classifier)
/// are ignored unless they are more convolutions.
/// </summary>
internal sealed class OnnxResNetReader
{
    private readonly OnnxGraph _graph;
    private readonly IReadOnlyDictionary<string, long[]> _shapes;
    private readonly Dictionary<string, Tensor> _tensors = [];
    private int _next;

    private OnnxResNetReader(OnnxGraph graph, IReadOnlyDictionary<string, long[]> shapes)
    {
        _graph = graph;
        _shapes = shapes;
    }

    /// <summary>The encoder state dict of <paramref name="architecture"/> (conv1 as the graph has it: on its own input).</summary>
    public static Dictionary<string, Tensor> Read(OnnxGraph graph, ResNetArchitecture architecture)
    {
        using var reference = new ResNet(architecture, outputStride: 32);
        var shapes = reference.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.shape);
        var reader = new OnnxResNetReader(graph, shapes);
        reader.Walk(architecture);
        return reader._tensors;
    }

    private void Walk(ResNetArchitecture architecture)
    {
        var x = ConvBatchNorm(_graph.Input, "conv1", "bn1", stride: 2);
        x = Take("Relu", "the stem's ReLU", x).Output[0];
        var pool = Take("MaxPool", "the stem's max pool", x);
        CheckWindow(pool, kernel: 3, stride: 2, "the stem's max pool");
        x = pool.Output[0];

        var convs = architecture.UsesBottleneck() ? 3 : 2;
        var blocks = architecture.BlocksPerLayer();
        var last = "";
        for (var layer = 1; layer <= 4; layer++)
        {
            for (var block = 0; block < blocks[layer - 1]; block++)
            {
                last = $"layer{layer}.{block}";
                x = Block(x, last, convs, stride: layer > 1 && block == 0 ? 2 : 1);
            }
        }
        var extra = _graph.Nodes.Skip(_next).FirstOrDefault(node => node.OpType is "Conv" or "BatchNormalization");
        if (extra is not null)
        {
            throw _graph.Refuse(extra, $"the graph goes on after {last}, the last block of {architecture.Name()}: " +
                                       $"it has more blocks than {architecture.Name()}'s {string.Join("-", blocks)} (the packaged ImageNet ResNet-18 is resnet18-3b)");
        }
    }

    /// <summary>A residual block; in torchvision's blocks the stride sits on the 3×3 conv (conv1 of a BasicBlock, conv2 of a Bottleneck).</summary>
    private string Block(string x, string prefix, int convs, int stride)
    {
        var projection = _shapes.ContainsKey($"{prefix}.downsample.0.weight");
        string? shortcut = projection ? null : x;
        if (projection && NextIsProjection(x, prefix))
        {
            shortcut = ConvBatchNorm(x, $"{prefix}.downsample.0", $"{prefix}.downsample.1", stride);
        }
        var y = x;
        for (var i = 1; i <= convs; i++)
        {
            var convStride = i == (convs == 2 ? 1 : 2) ? stride : 1;
            y = ConvBatchNorm(y, $"{prefix}.conv{i}", $"{prefix}.bn{i}", convStride);
            if (i < convs)
            {
                y = Take("Relu", $"{prefix}'s ReLU after bn{i}", y).Output[0];
            }
        }
        shortcut ??= ConvBatchNorm(x, $"{prefix}.downsample.0", $"{prefix}.downsample.1", stride);
        var add = Next("Add", $"{prefix}'s residual Add");
        if (add.Input.Count != 2 || !add.Input.Contains(y) || !add.Input.Contains(shortcut))
        {
            throw _graph.Refuse(add, $"expected the Add of '{y}' and '{shortcut}' for {prefix}'s residual, found [{string.Join(", ", add.Input)}]");
        }
        return Take("Relu", $"{prefix}'s final ReLU", add.Output[0]).Output[0];
    }

    /// <summary>True when the next node is the projection's 1×1 conv on the block input (CNTK puts it first).</summary>
    private bool NextIsProjection(string x, string prefix) =>
        _next < _graph.Nodes.Count && _graph.Nodes[_next] is { OpType: "Conv" } node && node.Input[0] == x &&
        node.Input.Count > 1 && _graph.ShapeOf(node.Input[1])?.SequenceEqual(_shapes[$"{prefix}.downsample.0.weight"]) == true;

    /// <summary>A bias-free Conv then a BatchNormalization; returns the BN's output.</summary>
    private string ConvBatchNorm(string x, string conv, string bn, int stride)
    {
        var convNode = Next("Conv", conv);
        if (convNode.Input[0] != x)
        {
            throw _graph.Refuse(convNode, $"expected {conv} on '{x}', found it on '{convNode.Input[0]}'");
        }
        if (convNode.Input.Count != 2)
        {
            throw _graph.Refuse(convNode, $"has a bias; {conv} has none");
        }
        var expected = _shapes[$"{conv}.weight"];
        var weight = Expect(convNode, 1, expected, $"{conv}.weight");
        if (OnnxGraph.Int(convNode, "group", 1) != 1 || OnnxGraph.Ints(convNode, "dilations", [1, 1]).Any(d => d != 1))
        {
            throw _graph.Refuse(convNode, $"expected an ungrouped, undilated convolution for {conv}");
        }
        CheckWindow(convNode, kernel: expected[3], stride, conv);
        _tensors[$"{conv}.weight"] = weight;

        var bnNode = Next("BatchNormalization", bn);
        if (bnNode.Input[0] != convNode.Output[0] || bnNode.Input.Count != 5)
        {
            throw _graph.Refuse(bnNode, $"expected {bn} on '{convNode.Output[0]}' with scale, bias, mean and variance");
        }
        // Our BatchNorm2d has PyTorch's eps; the float comparison accepts the exporter's float32 1e-5.
        if ((float)OnnxGraph.Float(bnNode, "epsilon", 1e-5f) != 1e-5f || OnnxGraph.Int(bnNode, "spatial", 1) != 1)
        {
            throw _graph.Refuse(bnNode, $"expected a spatial BatchNormalization with epsilon 1e-5 for {bn}, " +
                                        $"found epsilon {OnnxGraph.Float(bnNode, "epsilon", 1e-5f)}");
        }
        string[] keys = ["weight", "bias", "running_mean", "running_var"];
        for (var i = 0; i < keys.Length; i++)
        {
            _tensors[$"{bn}.{keys[i]}"] = Expect(bnNode, i + 1, _shapes[$"{bn}.{keys[i]}"], $"{bn}.{keys[i]}");
        }
        _tensors[$"{bn}.num_batches_tracked"] = torch.zeros([], ScalarType.Int64);
        return bnNode.Output[0];
    }

    /// <summary>
    /// Kernel, stride and pads of a conv or pool against torchvision's (symmetric pad (k-1)/2). Exporters may pad the
    /// bottom/right of a stride-2 window by one less ([3,3,2,2], CNTK): on even sizes that gives the same output.
    /// </summary>
    private void CheckWindow(NodeProto node, long kernel, long stride, string role)
    {
        var pad = (kernel - 1) / 2;
        var kernelShape = OnnxGraph.Ints(node, "kernel_shape", [kernel, kernel]);
        var strides = OnnxGraph.Ints(node, "strides", [1, 1]);
        var pads = OnnxGraph.Ints(node, "pads", [0, 0, 0, 0]);
        var autoPad = OnnxGraph.String(node, "auto_pad", "NOTSET");
        var padsFit = pads.Length == 4 && pads[0] == pad && pads[1] == pad &&
                      pads[2] == pads[3] && (pads[2] == pad || (stride == 2 && pads[2] == pad - 1));
        if (!kernelShape.SequenceEqual([kernel, kernel]) || !strides.SequenceEqual([stride, stride]) || !padsFit || autoPad != "NOTSET")
        {
            throw _graph.Refuse(node, $"expected a {kernel}×{kernel} window with stride {stride} and pads {pad} for {role}, found kernel " +
                                      $"[{string.Join(", ", kernelShape)}], strides [{string.Join(", ", strides)}], pads [{string.Join(", ", pads)}], auto_pad {autoPad}");
        }
    }

    private Tensor Expect(NodeProto node, int input, long[] shape, string key)
    {
        var tensor = _graph.Initializer(node, input);
        if (!tensor.shape.SequenceEqual(shape))
        {
            throw _graph.Refuse(node, $"the model's {key} is [{string.Join(", ", shape)}], the graph's '{node.Input[input]}' is " +
                                      $"[{string.Join(", ", tensor.shape)}]");
        }
        return tensor;
    }

    /// <summary>The next node, which must be a <paramref name="opType"/> consuming only <paramref name="input"/>.</summary>
    private NodeProto Take(string opType, string role, string input)
    {
        var node = Next(opType, role);
        if (node.Input.Count != 1 || node.Input[0] != input)
        {
            throw _graph.Refuse(node, $"expected {role} on '{input}', found it on [{string.Join(", ", node.Input)}]");
        }
        return node;
    }

    private NodeProto Next(string opType, string role)
    {
        if (_next >= _graph.Nodes.Count)
        {
            throw new WeightsException($"{_graph.FilePath}: the graph ends before {role}");
        }
        var node = _graph.Nodes[_next++];
        if (node.OpType != opType)
        {
            throw _graph.Refuse(node, $"expected a {opType} for {role}");
        }
        return node;
    }
}
