using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary><c>trainer.device</c>: "cpu", "cuda" or "cuda:N", checked against what this build and machine have.</summary>
public static class TrainingDevice
{
    /// <summary>Parses a device name; null with a reason when it is not one.</summary>
    public static (DeviceType Type, int Index)? Parse(string name, out string? problem)
    {
        problem = null;
        var text = name.Trim().ToLowerInvariant();
        if (text == "cpu") return (DeviceType.CPU, -1);
        if (text == "cuda") return (DeviceType.CUDA, 0);
        if (text.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return (DeviceType.CUDA, index);
        }
        problem = $"'{name}' is not a device: use cpu, cuda or cuda:N";
        return null;
    }

    /// <summary>
    /// The torch device for <paramref name="name"/>; a clear error when CUDA is asked for and this build (TorchSharp-cpu)
    /// or this machine has none, or the index is past the visible devices.
    /// </summary>
    public static Device Resolve(string name)
    {
        var parsed = Parse(name, out var problem) ?? throw new ArgumentException($"trainer.device: {problem}");
        if (parsed.Type == DeviceType.CPU)
        {
            return torch.CPU;
        }
        if (!torch.cuda.is_available())
        {
            throw new DeviceUnavailableException(
                $"trainer.device is '{name}' but CUDA is not available: this build uses libtorch {torch.__version__} without CUDA " +
                "(TorchSharp-cpu; build with -p:TorchBackend=cuda, see README \"GPU builds\") or no NVIDIA GPU is visible; use trainer.device: cpu");
        }
        if (parsed.Index >= torch.cuda.device_count())
        {
            throw new DeviceUnavailableException($"trainer.device is '{name}' but only {torch.cuda.device_count()} CUDA device(s) are visible");
        }
        return torch.device(DeviceType.CUDA, parsed.Index);
    }

    /// <summary>
    /// <c>module.to(device)</c>, then disposes the tensors it replaced. TorchSharp moves a parameter or buffer by
    /// putting a new tensor in its place and leaves the old one to the finalizer (DESIGN §8: scope every tensor).
    /// Parameters are new objects after a move to another device: build optimizers and EMA views afterwards.
    /// </summary>
    public static void Move(nn.Module module, Device device)
    {
        var before = module.parameters().Concat(module.buffers()).ToList();
        module.to(device);
        var after = module.parameters().Concat(module.buffers()).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var replaced in before.Where(tensor => !after.Contains(tensor)))
        {
            replaced.Dispose();
        }
    }
}
