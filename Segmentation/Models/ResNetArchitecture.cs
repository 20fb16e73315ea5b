namespace U2PL.Segmentation.Models;

/// <summary>The backbones, in torchvision's layout (7×7 stem) so that torchvision ImageNet weights import directly.</summary>
public enum ResNetArchitecture
{
    ResNet18,
    ResNet50,
    ResNet101,
}

/// <summary>Block type and depth of each architecture, and the names users type.</summary>
public static class ResNetArchitectures
{
    /// <summary>Blocks per stage (layer1..layer4).</summary>
    public static int[] BlocksPerLayer(this ResNetArchitecture architecture) => architecture switch
    {
        ResNetArchitecture.ResNet18 => [2, 2, 2, 2],
        ResNetArchitecture.ResNet50 => [3, 4, 6, 3],
        ResNetArchitecture.ResNet101 => [3, 4, 23, 3],
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    /// <summary>True for the bottleneck (1×1, 3×3, 1×1; expansion 4) architectures.</summary>
    public static bool UsesBottleneck(this ResNetArchitecture architecture) => architecture != ResNetArchitecture.ResNet18;

    /// <summary>Output channels of layer1 (the low-level features) and layer4 (the ASPP input).</summary>
    public static (int Layer1, int Layer4) Channels(this ResNetArchitecture architecture) =>
        architecture.UsesBottleneck() ? (256, 2048) : (64, 512);

    /// <summary>The lower-case name: resnet18, resnet50, resnet101.</summary>
    public static string Name(this ResNetArchitecture architecture) => architecture.ToString().ToLowerInvariant();

    /// <summary>Parses resnet18 / resnet50 / resnet101 (case-insensitive).</summary>
    public static ResNetArchitecture Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "resnet18" => ResNetArchitecture.ResNet18,
        "resnet50" => ResNetArchitecture.ResNet50,
        "resnet101" => ResNetArchitecture.ResNet101,
        _ => throw new ArgumentException($"unknown architecture '{name}': expected resnet18, resnet50 or resnet101", nameof(name)),
    };
}
