using System.Diagnostics;
using Onnx;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Serialization;

namespace U2PL.Client.Tests;

public sealed class WeightsImportCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-import-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_torchvision_state_dict_becomes_the_encoder_of_a_loadable_model_file()
    {
        var torchvision = SaveTorchvisionResNet18();
        var output = Path.Combine(_directory, "model.safetensors");
        var result = U2plProcess.Run("weights", "import", "--torchvision", torchvision, "--arch", "resnet18", "--classes", "5", "--out", output);
        Assert.True(result.ExitCode == 0, result.Error);

        using var model = ModelWeights.Load(output);
        Assert.Equal(5, model.Options.NumClasses);
        using var file = TorchSaveFile.Read(torchvision);
        var expected = file.Tensors["layer3.1.conv2.weight"];
        Assert.True(expected.allclose(model.Encoder.state_dict()["layer3.1.conv2.weight"], 0, 0));
    }

    [Fact]
    public void Weights_of_another_architecture_fail_naming_key_and_shapes_and_leave_no_output_file()
    {
        var torchvision = SaveTorchvisionResNet18();
        var output = Path.Combine(_directory, "model.safetensors");
        var result = U2plProcess.Run("weights", "import", "--torchvision", torchvision, "--arch", "resnet50", "--out", output);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("shape mismatch for 'layer1.0.conv1.weight': the model has [64, 64, 1, 1], the weights have [64, 64, 3, 3]", result.Error);
        Assert.Equal([torchvision], Directory.GetFiles(_directory));
    }

    [Fact]
    public void An_unreadable_file_fails_clearly()
    {
        var garbage = Path.Combine(_directory, "garbage.pth");
        File.WriteAllText(garbage, "not a checkpoint");
        var result = U2plProcess.Run("weights", "import", "--torchvision", garbage, "--arch", "resnet18", "--out", Path.Combine(_directory, "o.safetensors"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(garbage, result.Error);
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void The_packaged_onnx_resnet_becomes_the_encoder_of_a_loadable_model_file_with_its_preprocessing_folded()
    {
        var output = Path.Combine(_directory, "imagenet.safetensors");
        var result = U2plProcess.Run("weights", "import", "--onnx", PackagedGraph, "--arch", "resnet18-3b", "--classes", "11", "--os", "16", "--out", output);
        Assert.True(result.ExitCode == 0, result.Error);

        using var scope = torch.NewDisposeScope();
        using var model = ModelWeights.Load(output);
        Assert.Equal(new ModelOptions(ResNetArchitecture.ResNet18Layer4Blocks3, 11, 16), model.Options);
        using (var reader = SafeTensorsReader.Open(output))
        {
            Assert.Equal("ResNet18.onnx", reader.Metadata["encoder_source"]);
            Assert.Equal("mean=123.675,116.28,103.53 std=58.395,57.12,57.375", reader.Metadata[ModelWeights.EncoderNormalizationKey]);
        }
        // The CNTK graph's own names (python3-onnx lists them): Convolution387 = layer4.2.conv2 uses Parameter10; the
        // stem conv Convolution249 uses Parameter91 (BGR input channels); bn1's variance is Constant99.
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(PackagedGraph)).Graph.Initializer.Where(t => t.Name is "Parameter10" or "Parameter91" or "Constant99")
            .ToDictionary(t => t.Name, t => torch.tensor(t.FloatData.ToArray(), [.. t.Dims]));
        var encoder = model.Encoder.state_dict();
        Assert.True(graph["Parameter10"].allclose(encoder["layer4.2.conv2.weight"], 0, 0));
        Assert.True(graph["Constant99"].allclose(encoder["bn1.running_var"], 0, 0));
        var std = torch.tensor(new[] { 58.395f, 57.12f, 57.375f }).view(1, 3, 1, 1);
        Assert.True((graph["Parameter91"].flip(1) * std).allclose(encoder["conv1.weight"], rtol: 1e-6, atol: 0), "conv1: BGR channels reversed, scaled by std");
    }

    [Fact]
    public void An_onnx_graph_of_another_architecture_is_refused_naming_the_node_and_nothing_is_written()
    {
        var output = Path.Combine(_directory, "model.safetensors");
        var result = U2plProcess.Run("weights", "import", "--onnx", PackagedGraph, "--arch", "resnet18", "--out", output);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("node 'Convolution381' (Conv): the graph goes on after layer4.1, the last block of resnet18", result.Error);
        Assert.Empty(Directory.GetFiles(_directory));

        var both = U2plProcess.Run("weights", "import", "--onnx", PackagedGraph, "--torchvision", PackagedGraph, "--arch", "resnet18-3b", "--out", output);
        Assert.NotEqual(0, both.ExitCode);
        Assert.Contains("give exactly one of --torchvision and --onnx", both.Error + both.Output);
    }

    /// <summary>The ImageNet ResNet-18 graph the build copies from NuGet's Microsoft.ML.DnnImageFeaturizer.ResNet18.</summary>
    private static string PackagedGraph => Path.Combine(U2plProcess.RepositoryRoot, OnnxEncoderWeights.BuiltGraph);

    /// <summary>A real torchvision ResNet-18 state dict written by Debian's python3-torchvision.</summary>
    private string SaveTorchvisionResNet18()
    {
        var path = Path.Combine(_directory, "resnet18.pth");
        var script = $"import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), '{path}')";
        using var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardError = true })!;
        var errors = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, "python3-torchvision is needed (./test.sh installs it): " + errors);
        return path;
    }
}
