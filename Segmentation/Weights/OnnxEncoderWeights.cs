using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Weights;

/// <summary>
/// Imports an ImageNet ResNet exported to ONNX into our encoder (DESIGN §5): NuGet's
/// Microsoft.ML.DnnImageFeaturizer.ResNet18, a CNTK export whose input is BGR in 0..255 minus a mean image, made by a
/// separate preprocessing graph. That preprocessing is folded into conv1 and bn1 so the encoder takes what our data
/// pipeline gives every model: RGB normalized as (pixel − mean) / std. The mean image's per-channel averages are
/// folded (a convolutional encoder of any input size cannot subtract a 224×224 image); see the README.
/// </summary>
public static class OnnxEncoderWeights
{
    public const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    public const string PackageVersion = "0.23.1";

    /// <summary>Where the build puts the package's graphs (Segmentation.csproj), relative to the repository root.</summary>
    public const string BuiltGraph = "artifacts/DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    /// <summary>The preprocessing graph beside <paramref name="graphPath"/> in the package's layout (DnnImageModels/ResNetPrepOnnx).</summary>
    public static string PreprocessPathFor(string graphPath) =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(graphPath))!, "..", "ResNetPrepOnnx", "ResNetPreprocess.onnx"));

    /// <summary>
    /// Loads the graph's weights into <paramref name="encoder"/> with the preprocessing folded for inputs normalized by
    /// <paramref name="mean"/> and <paramref name="std"/> (RGB, 0..255 units). Nothing is loaded when anything is refused.
    /// </summary>
    public static void ImportInto(ResNet encoder, string graphPath, IReadOnlyList<double> mean, IReadOnlyList<double> std, string? preprocessPath = null)
    {
        preprocessPath ??= PreprocessPathFor(graphPath);
        if (!File.Exists(graphPath))
        {
            throw new WeightsException($"{graphPath}: no such file (./build.sh brings NuGet package {PackageId} {PackageVersion} and copies its graph to {BuiltGraph})");
        }
        if (!File.Exists(preprocessPath))
        {
            throw new WeightsException($"{preprocessPath}: no such file: the preprocessing graph (the mean image) of {graphPath}, " +
                                       "expected in the package's layout beside it (give another with --preprocess)");
        }
        using var scope = torch.NewDisposeScope();
        var meanImage = ChannelMeansOfMeanImage(OnnxGraph.Load(preprocessPath));
        var tensors = OnnxResNetReader.Read(OnnxGraph.Load(graphPath), encoder.Architecture);
        FoldPreprocessing(tensors, meanImage, mean, std);
        try
        {
            StrictStateDict.Load(encoder, tensors);
        }
        catch (StateDictException e)
        {
            throw new WeightsException($"{graphPath}: {e.Message}", e);
        }
    }

    /// <summary>The metadata value that records the normalization the fold was made for (our weights files keep it).</summary>
    public static string Normalization(IReadOnlyList<double> mean, IReadOnlyList<double> std) =>
        $"mean={string.Join(",", mean.Select(Format))} std={string.Join(",", std.Select(Format))}";

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The graph's conv1 sees u = BGR − m̄ (m̄: the mean image's channel averages); ours sees x = (RGB − mean) / std. With
    /// RGB = std·x + mean and BGR channel j = RGB channel 2 − j: conv1(u) = conv1'(x) + Σ W·(mean[2 − j] − m̄[j]), where
    /// conv1' has the input channels reversed and scaled by std. The constant is subtracted from bn1's running mean.
    /// Exact except where the 7×7 window overlaps the zero padding (zero x is not zero u).
    /// </summary>
    private static void FoldPreprocessing(Dictionary<string, Tensor> tensors, Tensor meanImageBgr, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        var weight = tensors["conv1.weight"].to(ScalarType.Float64);
        var stdRgb = torch.tensor(std.ToArray()).view(1, 3, 1, 1);
        var meanBgr = torch.tensor(mean.ToArray()).flip(0);
        var offset = (meanBgr - meanImageBgr).view(1, 3, 1, 1);
        tensors["conv1.weight"] = (weight.flip(1) * stdRgb).to(ScalarType.Float32);
        var constant = (weight * offset).sum([1, 2, 3]);
        tensors["bn1.running_mean"] = (tensors["bn1.running_mean"].to(ScalarType.Float64) - constant).to(ScalarType.Float32);
    }

    /// <summary>
    /// Reads the preprocessing graph (Split RGB, Concat as BGR, Sub a mean image) and returns the mean image's channel
    /// averages in BGR order (float64). A graph of another shape is refused by node.
    /// </summary>
    private static Tensor ChannelMeansOfMeanImage(OnnxGraph graph)
    {
        var nodes = graph.Nodes;
        if (nodes.Count != 3)
        {
            throw new WeightsException($"{graph.FilePath}: expected Split, Concat, Sub (RGB to BGR minus a mean image), found {nodes.Count} nodes");
        }
        var (split, concat, sub) = (nodes[0], nodes[1], nodes[2]);
        if (split.OpType != "Split" || split.Input[0] != graph.Input || split.Output.Count != 3 || OnnxGraph.Int(split, "axis", 0) != 1)
        {
            throw graph.Refuse(split, $"expected a Split of '{graph.Input}' into its 3 channels");
        }
        if (concat.OpType != "Concat" || OnnxGraph.Int(concat, "axis", 0) != 1 || !concat.Input.SequenceEqual(split.Output.Reverse()))
        {
            throw graph.Refuse(concat, "expected the Concat of the channels in reverse order (RGB to BGR)");
        }
        if (sub.OpType != "Sub" || sub.Input.Count != 2 || sub.Input[0] != concat.Output[0] || graph.ShapeOf(sub.Input[1]) is not [1, 3, _, _])
        {
            throw graph.Refuse(sub, "expected the Sub of a [1, 3, H, W] mean image from the BGR image");
        }
        return graph.Initializer(sub, 1).to(ScalarType.Float64).mean([0, 2, 3]);
    }
}
