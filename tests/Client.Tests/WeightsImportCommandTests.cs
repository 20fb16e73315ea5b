using System.Diagnostics;
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
        using var reader = TorchCheckpointReader.Open(torchvision);
        using var expected = reader.ReadTensor("layer3.1.conv2.weight");
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
