using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Training;

/// <summary><c>trainer.device</c>: read and checked with the other keys, resolved and applied at run time.</summary>
public class TrainingDeviceTests
{
    private static TrainingOptions Read(string yaml) => TrainingConfigReader.Read(ConfigTree.Parse(yaml, "test.yaml"), yaml);

    [Fact]
    public void The_device_defaults_to_cpu_and_a_gpu_is_not_needed_to_read_a_gpu_config()
    {
        Assert.Equal("cpu", Read("seed: 1\n").Device);
        Assert.Equal("cuda:1", Read("trainer: { device: 'cuda:1' }\n").Device);
        Assert.Equal("cuda", Read("trainer: { device: cuda }\n").Device);
    }

    [Fact]
    public void A_bad_device_is_listed_with_the_other_problems()
    {
        var error = Assert.Throws<ConfigException>(() => Read("trainer: { device: tpu, threads: -1 }\n"));
        Assert.Contains("trainer.device: 'tpu' is not a device: use cpu, cuda or cuda:N", error.Problems);
        Assert.Contains(error.Problems, p => p.Contains("trainer.threads must be non-negative"));
        Assert.Contains(Assert.Throws<ConfigException>(() => Read("trainer: { device: 'cuda:x' }\n")).Problems,
            p => p.StartsWith("trainer.device: 'cuda:x' is not a device", StringComparison.Ordinal));
    }

    [Fact]
    public void Moving_a_model_to_the_device_it_is_on_keeps_the_tensors_an_optimizer_would_hold()
    {
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, 3, 16));
        var before = model.parameters().Concat(model.buffers()).ToList();
        TrainingDevice.Move(model, TrainingDevice.Resolve("cpu"));
        var after = model.parameters().Concat(model.buffers()).ToList();
        Assert.Equal(before.Count, after.Count);
        Assert.All(before.Zip(after), pair => Assert.Same(pair.First, pair.Second));
        // Still alive (Move disposes only what it replaced): a disposed tensor throws here.
        Assert.All(before, tensor => Assert.Equal(DeviceType.CPU, tensor.device_type));
        Assert.Equal(DeviceType.CPU, model.Device.type);
    }
}
