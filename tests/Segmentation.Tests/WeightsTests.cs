using U2PL.Segmentation.Models;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests;

public sealed class WeightsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-weights-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Saved_weights_load_into_an_identical_model_described_by_the_metadata()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 7, 16));
        using (torch.no_grad())
        {
            model.state_dict()["decoder.classifier.8.bias"].fill_(0.25);
        }
        var path = Path.Combine(_directory, "model.safetensors");
        ModelWeights.Save(model, path);

        using (var reader = SafeTensorsReader.Open(path))
        {
            Assert.Equal("resnet18", reader.Metadata["arch"]);
            Assert.Equal("7", reader.Metadata["classes"]);
            Assert.Equal("16", reader.Metadata["output_stride"]);
            Assert.Equal(model.state_dict().Count, reader.Entries.Count);
        }

        using var loaded = ModelWeights.Load(path);
        Assert.Equal(model.Options, loaded.Options);
        var expected = model.state_dict();
        foreach (var (name, tensor) in loaded.state_dict())
        {
            Assert.True(tensor.to(ScalarType.Float64).allclose(expected[name].to(ScalarType.Float64), 0, 0), $"{name} differs");
        }
        var input = torch.randn([1, 3, 32, 32]);
        model.eval();
        loaded.eval();
        Assert.True(model.forward(input).Prediction.allclose(loaded.forward(input).Prediction, 0, 0));
    }

    [Fact]
    public void Weights_of_another_architecture_fail_naming_the_key_and_both_shapes_and_load_nothing()
    {
        using var resnet50 = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet50, 21, 8));
        using var resnet18 = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 21, 8));
        var path = Path.Combine(_directory, "r50.safetensors");
        ModelWeights.Save(resnet50, path);
        using var before = resnet18.state_dict()["decoder.head.0.weight"].clone();

        var error = Assert.Throws<WeightsException>(() => ModelWeights.LoadInto(resnet18, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("shape mismatch for 'decoder.aspp.conv2.0.weight': the model has [256, 512, 1, 1], the weights have [256, 2048, 1, 1]", error.Message);
        Assert.Contains("unexpected key 'encoder.layer1.0.conv3.weight'", error.Message);
        Assert.True(before.allclose(resnet18.state_dict()["decoder.head.0.weight"], 0, 0), "nothing may be loaded on error");
    }

    [Theory]
    [InlineData("resnet18", ResNetArchitecture.ResNet18, false)]
    [InlineData("resnet18", ResNetArchitecture.ResNet18, true)]
    [InlineData("resnet50", ResNetArchitecture.ResNet50, false)]
    public void Torchvision_import_is_exact_value_for_value_also_wrapped_with_module_prefixes(string name, ResNetArchitecture architecture, bool wrapped)
    {
        var path = Path.Combine(_directory, $"{name}.pth");
        var stateDict = $"torchvision.models.{name}().state_dict()";
        var saved = wrapped ? $"{{'state_dict': {{'module.' + k: v for k, v in {stateDict}.items()}}, 'epoch': 3}}" : stateDict;
        Python.Run($"import torch, torchvision; torch.manual_seed(0); torch.save({saved}, '{path}')");

        using var model = new DeepLabV3Plus(new ModelOptions(architecture, 21, 8));
        TorchvisionWeights.ImportInto(model, path);

        using var file = TorchSaveFile.Read(path);
        var prefix = wrapped ? "state_dict.module." : "";
        var encoder = model.Encoder.state_dict();
        Assert.Equal(file.Tensors.Keys.Count(k => !k.StartsWith(prefix + "fc.", StringComparison.Ordinal)), encoder.Count);
        foreach (var (key, value) in encoder)
        {
            Assert.True(file.Tensors[prefix + key].allclose(value, 0, 0), key);
        }
    }

    [Fact]
    public void Torchvision_import_reports_missing_keys_and_unreadable_files()
    {
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 21, 8));
        var partial = Path.Combine(_directory, "partial.safetensors");
        var sources = model.Encoder.state_dict().Where(entry => !entry.Key.StartsWith("layer4.1.", StringComparison.Ordinal))
            .Select(entry => TensorFileTensors.ToSource(entry.Key, entry.Value)).ToList();
        SafeTensorsWriter.Write(partial, sources);
        var missing = Assert.Throws<WeightsException>(() => TorchvisionWeights.ImportInto(model, partial));
        Assert.True(missing.Message.Contains("missing key 'layer4.1.conv1.weight'"), missing.Message);

        var garbage = Path.Combine(_directory, "garbage.pth");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        var unreadable = Assert.Throws<WeightsException>(() => TorchvisionWeights.ImportInto(model, garbage));
        Assert.Contains(garbage, unreadable.Message);
        Assert.Throws<WeightsException>(() => TorchvisionWeights.ImportInto(model, Path.Combine(_directory, "absent.pth")));
    }
}
