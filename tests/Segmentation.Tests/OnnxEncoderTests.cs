using Onnx;
using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Serialization;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests;

/// <summary>
/// The ImageNet ResNet-18 imported from its ONNX graph (preprocessing folded into conv1/bn1) against the graph evaluated
/// independently by goldens/make_onnx_goldens.py, and the refusal of graphs that do not fit.
/// </summary>
public sealed class OnnxEncoderTests : IDisposable
{
    /// <summary>
    /// The fold is exact except where conv1's window overlaps the zero padding (zero x is not zero BGR − mean): on the
    /// golden image those border pixels give 5.9e-4 (layer1) to 7.8e-4 (layer4) relative error (DESIGN §5: 6.4e-4), a
    /// deterministic figure (float32 rounding adds ~1e-6). Leaving bn1's constant out gives 1.1e-3 to 1.9e-3 (the ImageNet
    /// means are within 0.5 of the mean image's averages), unreversed channels 4e-1 or more; 1e-3 catches both.
    /// </summary>
    private const double BorderTolerance = 1e-3;

    private static readonly AugmentationOptions s_normalization = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-onnx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Layer_outputs_equal_the_graphs_with_channel_mean_preprocessing_within_the_border_tolerance()
    {
        using var scope = torch.NewDisposeScope();
        using var encoder = ImportedEncoder();
        using var goldens = TorchSaveFile.Read(OnnxGoldens.File);
        using var features = encoder.forward(Normalize(goldens.Tensors["rgb"]));
        Tensor[] ours = [features.Layer1, features.Layer2, features.Layer3, features.Layer4];
        for (var i = 0; i < 4; i++)
        {
            var layer = $"layer{i + 1}";
            var channelMean = goldens.Tensors[$"channel_mean.{layer}"];
            var packaged = goldens.Tensors[$"graph.{layer}"];
            Assert.Equal(channelMean.shape, ours[i].shape);
            var error = RelativeError(ours[i], channelMean);
            Assert.True(error <= BorderTolerance, $"{layer}: relative error {error:E2} > {BorderTolerance:E0} against the channel-mean graph");

            // Against the graph as packaged, the mean image's spatial variation (which no fold can carry) adds its own
            // difference (1.4e-2 to 3.3e-2 on the golden image): ours must be within that plus the border tolerance.
            var meanImageEffect = RelativeError(channelMean, packaged);
            var packagedError = RelativeError(ours[i], packaged);
            Assert.True(packagedError <= meanImageEffect + BorderTolerance,
                $"{layer}: relative error {packagedError:E2} against the packaged graph, whose mean image alone accounts for {meanImageEffect:E2}");
        }
    }

    [Fact]
    public void The_fold_is_exact_away_from_the_image_border()
    {
        // layer1 pixel j sees conv1 rows 2j-1..2j+1 through the max pool, widened by 4 px by the block convs; conv1 rows
        // 0, 1 and 111 of 112 overlap the padding, so only j <= 5 and j >= 51 of 56 can differ. Compare 8..47: measured
        // 5e-7 (float32 rounding); without bn1's constant it is 9e-4.
        using var scope = torch.NewDisposeScope();
        using var encoder = ImportedEncoder();
        using var goldens = TorchSaveFile.Read(OnnxGoldens.File);
        using var features = encoder.forward(Normalize(goldens.Tensors["rgb"]));
        var interior = TensorIndex.Slice(8, 48);
        var ours = features.Layer1[TensorIndex.Ellipsis, interior, interior];
        var expected = goldens.Tensors["channel_mean.layer1"][TensorIndex.Ellipsis, interior, interior];
        var error = RelativeError(ours, expected);
        Assert.True(error <= 1e-5, $"layer1 interior: relative error {error:E2} > 1e-5 (float32 rounding only)");
    }

    [Fact]
    public void A_graph_with_more_blocks_than_the_architecture_is_refused_naming_the_node_and_nothing_is_loaded()
    {
        using var scope = torch.NewDisposeScope();
        using var encoder = new ResNet(ResNetArchitecture.ResNet18, 32);
        var before = encoder.state_dict()["conv1.weight"].clone();
        var error = Assert.Throws<WeightsException>(() => Import(encoder, OnnxGoldens.Graph));
        Assert.Contains("node 'Convolution381' (Conv): the graph goes on after layer4.1, the last block of resnet18", error.Message);
        Assert.True(before.allclose(encoder.state_dict()["conv1.weight"], 0, 0));
    }

    [Fact]
    public void A_graph_whose_convolution_has_another_stride_is_refused_naming_the_node()
    {
        // layer2.0.conv1 (CNTK's Convolution285) made stride 1: the same weights, another network.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(OnnxGoldens.Graph));
        var strides = model.Graph.Node.Single(node => node.Name == "Convolution285").Attribute.Single(attribute => attribute.Name == "strides");
        strides.Ints.Clear();
        strides.Ints.Add([1, 1]);
        var graph = Path.Combine(_directory, "ResNet18Onnx", "ResNet18.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(graph)!);
        model.WriteToFile(graph);

        using var encoder = new ResNet(ResNetArchitecture.ResNet18Layer4Blocks3, 32);
        var error = Assert.Throws<WeightsException>(() => Import(encoder, graph, OnnxGoldens.Preprocess));
        Assert.Contains("node 'Convolution285' (Conv): expected a 3×3 window with stride 2 and pads 1 for layer2.0.conv1", error.Message);
    }

    [Fact]
    public void A_preprocessing_graph_that_keeps_rgb_is_refused_naming_the_node()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(OnnxGoldens.Preprocess));
        var concat = model.Graph.Node.Single(node => node.OpType == "Concat");
        var reversed = concat.Input.Reverse().ToArray();
        concat.Input.Clear();
        concat.Input.Add(reversed);
        var preprocess = Path.Combine(_directory, "rgb.onnx");
        model.WriteToFile(preprocess);

        using var encoder = new ResNet(ResNetArchitecture.ResNet18Layer4Blocks3, 32);
        var error = Assert.Throws<WeightsException>(() => Import(encoder, OnnxGoldens.Graph, preprocess));
        // CNTK leaves the preprocessing nodes unnamed: the error gives the node's position and output instead.
        Assert.Contains("node 1 (unnamed, output 'BGRInput') (Concat): expected the Concat of the channels in reverse order (RGB to BGR)", error.Message);
    }

    [Fact]
    public void Imports_read_the_graphs_while_another_reader_holds_them_open()
    {
        // The shards of a run on one silo import the same files at once; an exclusive open made the second one fail
        // with "being used by another process" (.NET takes a shared lock for a read-only open, an exclusive one otherwise).
        using var graph = new FileStream(OnnxGoldens.Graph, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var preprocess = new FileStream(OnnxGoldens.Preprocess, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var encoder = new ResNet(ResNetArchitecture.ResNet18Layer4Blocks3, 32);
        var before = encoder.state_dict()["conv1.weight"].clone();
        Import(encoder, OnnxGoldens.Graph, OnnxGoldens.Preprocess);
        Assert.False(before.allclose(encoder.state_dict()["conv1.weight"], 0, 0));
    }

    [Fact]
    public void A_missing_preprocessing_graph_is_named_with_its_expected_path()
    {
        var graph = Path.Combine(_directory, "ResNet18Onnx", "ResNet18.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(graph)!);
        File.CreateSymbolicLink(graph, OnnxGoldens.Graph);
        using var encoder = new ResNet(ResNetArchitecture.ResNet18Layer4Blocks3, 32);
        var error = Assert.Throws<WeightsException>(() => Import(encoder, graph));
        Assert.Contains(Path.Combine(_directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx") + ": no such file", error.Message);
    }

    [Fact]
    public void Our_weights_file_written_after_an_onnx_import_serves_as_net_pretrained_for_the_same_normalization_only()
    {
        using var scope = torch.NewDisposeScope();
        using var imported = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18Layer4Blocks3, 11, 16));
        PretrainedEncoder.ImportInto(imported, OnnxGoldens.Graph, s_normalization.Mean, s_normalization.Std);
        var path = Path.Combine(_directory, "imported.safetensors");
        ModelWeights.Save(imported, path, new Dictionary<string, string>
        {
            [ModelWeights.EncoderNormalizationKey] = OnnxEncoderWeights.Normalization(s_normalization.Mean, s_normalization.Std),
        });

        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18Layer4Blocks3, 11, 16));
        PretrainedEncoder.ImportInto(model, path, s_normalization.Mean, s_normalization.Std);
        foreach (var (name, tensor) in imported.Encoder.state_dict())
        {
            Assert.True(tensor.to(ScalarType.Float64).allclose(model.Encoder.state_dict()[name].to(ScalarType.Float64), 0, 0), $"{name} differs");
        }

        double[] otherMean = [0.5, 0.5, 0.5];
        var error = Assert.Throws<WeightsException>(() => PretrainedEncoder.ImportInto(model, path, otherMean, s_normalization.Std));
        Assert.Contains("its encoder was folded for inputs normalized with mean=123.675,116.28,103.53", error.Message);
    }

    private static ResNet ImportedEncoder()
    {
        var encoder = new ResNet(ResNetArchitecture.ResNet18Layer4Blocks3, 32);
        Import(encoder, OnnxGoldens.Graph);
        encoder.eval();
        return encoder;
    }

    private static void Import(ResNet encoder, string graph, string? preprocess = null) =>
        OnnxEncoderWeights.ImportInto(encoder, graph, s_normalization.Mean, s_normalization.Std, preprocess);

    /// <summary>Our pipeline's input: RGB (pixel − mean) / std with the default (ImageNet) statistics.</summary>
    private static Tensor Normalize(Tensor rgb) =>
        (rgb - torch.tensor(s_normalization.Mean.ToArray(), ScalarType.Float32).view(1, 3, 1, 1)) /
        torch.tensor(s_normalization.Std.ToArray(), ScalarType.Float32).view(1, 3, 1, 1);

    private static double RelativeError(Tensor actual, Tensor expected) =>
        (actual - expected).flatten().norm().ToDouble() / expected.flatten().norm().ToDouble();
}
