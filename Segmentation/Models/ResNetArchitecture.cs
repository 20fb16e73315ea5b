namespace U2PL.Segmentation.Models;

/// <summary>The backbones, in torchvision's layout (7×7 stem) so that torchvision ImageNet weights import directly.</summary>
public enum ResNetArchitecture
{
    ResNet18,
    ResNet50,
    ResNet101,

    /// <summary>
    /// ResNet-18 whose layer4 has 3 BasicBlocks instead of 2 (<c>resnet18-3b</c>): the layout of the ImageNet ResNet-18
    /// in NuGet's Microsoft.ML.DnnImageFeaturizer.ResNet18 (a CNTK export; <c>u2pl weights import --onnx</c>).
    /// </summary>
    ResNet18Layer4Blocks3,
}

/// <summary>Block type and depth of each architecture, and the names users type.</summary>
public static class ResNetArchitectures
{
    private static readonly (string Name, ResNetArchitecture Value)[] s_names =
    [
        ("resnet18", ResNetArchitecture.ResNet18),
        ("resnet50", ResNetArchitecture.ResNet50),
        ("resnet101", ResNetArchitecture.ResNet101),
        ("resnet18-3b", ResNetArchitecture.ResNet18Layer4Blocks3),
    ];

    /// <summary>The names users type (configs' <c>net.arch</c>, the CLI's <c>--arch</c>, weights files' metadata).</summary>
    public static IReadOnlyList<(string Name, ResNetArchitecture Value)> Names => s_names;

    /// <summary>Blocks per stage (layer1..layer4).</summary>
    public static int[] BlocksPerLayer(this ResNetArchitecture architecture) => architecture switch
    {
        ResNetArchitecture.ResNet18 => [2, 2, 2, 2],
        ResNetArchitecture.ResNet50 => [3, 4, 6, 3],
        ResNetArchitecture.ResNet101 => [3, 4, 23, 3],
        ResNetArchitecture.ResNet18Layer4Blocks3 => [2, 2, 2, 3],
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    /// <summary>True for the bottleneck (1×1, 3×3, 1×1; expansion 4) architectures.</summary>
    public static bool UsesBottleneck(this ResNetArchitecture architecture) =>
        architecture is ResNetArchitecture.ResNet50 or ResNetArchitecture.ResNet101;

    /// <summary>Output channels of layer1 (the low-level features) and layer4 (the ASPP input).</summary>
    public static (int Layer1, int Layer4) Channels(this ResNetArchitecture architecture) =>
        architecture.UsesBottleneck() ? (256, 2048) : (64, 512);

    /// <summary>The name users type: resnet18, resnet50, resnet101, resnet18-3b.</summary>
    public static string Name(this ResNetArchitecture architecture) =>
        s_names.First(entry => entry.Value == architecture).Name;

    /// <summary>Parses one of <see cref="Names"/> (case-insensitive).</summary>
    public static ResNetArchitecture Parse(string name)
    {
        var text = name.Trim();
        foreach (var entry in s_names)
        {
            if (string.Equals(entry.Name, text, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value;
            }
        }
        throw new ArgumentException($"unknown architecture '{name}': expected {string.Join(", ", s_names.Select(entry => entry.Name))}", nameof(name));
    }
}
