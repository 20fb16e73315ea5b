using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests;

public class ModelTests
{
    [Theory]
    [InlineData(ResNetArchitecture.ResNet18, 11_176_512L, 21_560_149L)]
    [InlineData(ResNetArchitecture.ResNet50, 23_508_032L, 45_344_085L)]
    [InlineData(ResNetArchitecture.ResNet101, 42_500_160L, 64_336_213L)]
    // resnet18-3b: one more 512-channel BasicBlock (2 × 512·512·9 conv weights + 2 × 2 × 512 BN affine = 4,720,640).
    [InlineData(ResNetArchitecture.ResNet18Layer4Blocks3, 15_897_152L, 26_280_789L)]
    public void Parameter_counts_equal_the_design_check_values(ResNetArchitecture architecture, long backbone, long total)
    {
        using var model = new DeepLabV3Plus(new ModelOptions(architecture, 21, 8));
        Assert.Equal(backbone, model.Encoder.parameters().Sum(p => p.numel()));
        Assert.Equal(total, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void State_dict_keys_are_torchvisions_and_u2pls_in_their_order_with_no_field_names()
    {
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 21, 8));
        var keys = model.state_dict().Keys.ToArray();
        Assert.Equal(["encoder.conv1.weight", "encoder.bn1.weight", "encoder.bn1.bias", "encoder.layer1.0.conv1.weight"], keys[..4]);
        Assert.Contains("encoder.bn1.running_mean", keys);
        Assert.Contains("encoder.layer2.0.downsample.0.weight", keys);
        Assert.Equal(["aspp.conv1", "aspp.conv2", "aspp.conv3", "aspp.conv4", "aspp.conv5", "head", "low_conv", "classifier", "representation"],
            keys.Where(k => k.StartsWith("decoder.", StringComparison.Ordinal))
                .Select(k => string.Join('.', k.Split('.').Skip(1).TakeWhile(part => !char.IsDigit(part[0]))))
                .Distinct());
        Assert.DoesNotContain(keys, k => k.Contains("._", StringComparison.Ordinal) || k.Contains("k__", StringComparison.Ordinal));
    }

    /// <summary>The representation head runs only when asked (evaluation and pseudo-labels skip it).</summary>
    [Fact]
    public void The_representation_head_is_chosen_per_call()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 7, 16));
        model.eval();
        using var input = torch.randn([1, 3, 64, 64]);
        using var without = model.forward(input, representation: false);
        using var with = model.forward(input);
        Assert.Null(without.Representation);
        Assert.NotNull(with.Representation);
        Assert.True(without.Prediction.allclose(with.Prediction, 0, 0));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Prediction_and_representation_come_at_a_quarter_of_the_input_resolution(int outputStride)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 7, outputStride));
        using var output = model.forward(torch.randn([2, 3, 64, 96]));
        Assert.Equal([2L, 7L, 16L, 24L], output.Prediction.shape);
        Assert.Equal([2L, 256L, 16L, 24L], output.Representation!.shape);
    }

    [Fact]
    public void Keys_follow_torchvision_for_the_encoder_and_u2pl_for_the_decoder()
    {
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet50, 21, 8));
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("encoder.conv1.weight", keys);
        Assert.Contains("encoder.layer1.0.downsample.0.weight", keys);
        Assert.Contains("encoder.layer4.2.bn3.num_batches_tracked", keys);
        Assert.Contains("decoder.aspp.conv1.1.weight", keys);
        Assert.Contains("decoder.aspp.conv5.0.weight", keys);
        Assert.Contains("decoder.head.0.weight", keys);
        Assert.Contains("decoder.low_conv.0.bias", keys);
        Assert.Contains("decoder.classifier.8.bias", keys);
        Assert.Contains("decoder.representation.8.weight", keys);
        Assert.DoesNotContain(keys, key => key.StartsWith("encoder.fc", StringComparison.Ordinal));
    }

    [Fact]
    public void Eval_mode_is_deterministic_and_train_mode_applies_dropout_and_updates_batch_statistics()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 5, 16));
        var input = torch.randn([2, 3, 64, 64]);
        model.eval();
        var a = model.forward(input);
        var b = model.forward(input);
        Assert.True(a.Prediction.allclose(b.Prediction));

        model.train();
        var runningMean = model.Encoder.state_dict()["bn1.running_mean"].clone();
        var c = model.forward(input);
        var d = model.forward(input);
        Assert.False(c.Prediction.allclose(d.Prediction), "dropout should make two training forwards differ");
        Assert.False(runningMean.allclose(model.Encoder.state_dict()["bn1.running_mean"]), "running statistics should move");
        Assert.Equal(2, model.Encoder.state_dict()["bn1.num_batches_tracked"].ToInt64());
    }

    [Fact]
    public void Bad_options_are_rejected_with_every_problem()
    {
        var error = Assert.Throws<ArgumentException>(() => new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 1, 4)));
        Assert.Contains("classes", error.Message);
        Assert.Contains("output stride", error.Message);
        Assert.Throws<ArgumentException>(() => ResNetArchitectures.Parse("resnet34"));
    }

    [Fact]
    public void Resnet18_3b_has_three_blocks_in_layer4_and_its_name_round_trips()
    {
        Assert.Equal(ResNetArchitecture.ResNet18Layer4Blocks3, ResNetArchitectures.Parse("ResNet18-3b"));
        Assert.Equal("resnet18-3b", ResNetArchitecture.ResNet18Layer4Blocks3.Name());
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18Layer4Blocks3, 11, 16));
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("encoder.layer4.2.conv2.weight", keys);
        Assert.DoesNotContain("encoder.layer4.3.conv1.weight", keys);
        Assert.DoesNotContain("encoder.layer3.2.conv1.weight", keys);
    }
}
