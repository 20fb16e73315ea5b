using U2PL.Segmentation.Models;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests;

/// <summary>Our ResNet's stage outputs against torchvision's on the same weights and input (eval mode).</summary>
public class BackboneParityTests
{
    [Theory]
    [InlineData("resnet18_os32", ResNetArchitecture.ResNet18, 32)]
    [InlineData("resnet18_os8", ResNetArchitecture.ResNet18, 8)]
    [InlineData("resnet50_os8", ResNetArchitecture.ResNet50, 8)]
    public void Layer_outputs_equal_torchvisions_within_1e_4_relative_error(string goldenCase, ResNetArchitecture architecture, int outputStride)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new DeepLabV3Plus(new ModelOptions(architecture, 21, outputStride == 32 ? 8 : outputStride));
        // Output stride 32 is a plain torchvision ResNet: check the encoder alone, built for that stride.
        using var encoder = outputStride == 32 ? new ResNet(architecture, 32) : null;
        TorchvisionWeights.ImportInto(model, BackboneGoldens.Path($"{goldenCase}.weights.pth"));
        if (encoder is not null)
        {
            StrictStateDict.Load(encoder, model.Encoder.state_dict());
        }
        var backbone = encoder ?? model.Encoder;
        backbone.eval();

        using var outputs = TorchSaveFile.Read(BackboneGoldens.Path($"{goldenCase}.outputs.pth"));
        using var features = backbone.forward(outputs.Tensors["input"]);
        Tensor[] ours = [features.Layer1, features.Layer2, features.Layer3, features.Layer4];
        for (var i = 0; i < 4; i++)
        {
            var expected = outputs.Tensors[$"layer{i + 1}"];
            Assert.Equal(expected.shape, ours[i].shape);
            var error = (ours[i] - expected).flatten().norm().ToDouble() / expected.flatten().norm().ToDouble();
            Assert.True(error <= 1e-4, $"layer{i + 1}: relative error {error:E2} > 1e-4");
        }
    }
}
