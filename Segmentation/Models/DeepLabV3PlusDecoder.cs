using U2PL.Torch;
using U2PL.Torch.Modules;

namespace U2PL.Segmentation.Models;

/// <summary>The classifier's logits and the representation head's features, both at 1/4 of the input resolution.</summary>
public sealed record SegmentationOutput(Tensor Prediction, Tensor? Representation) : IDisposable
{
    public void Dispose()
    {
        Prediction.Dispose();
        Representation?.Dispose();
    }
}

/// <summary>
/// U2PL's DeepLabv3+ decoder (dec_deeplabv3_plus): ASPP on layer4, a 3×3 fusing head, a low-level 1×1 branch on
/// layer1, bilinear upsampling (align_corners) to layer1's size, concatenation, then the classifier and the
/// representation head (the features of the contrastive loss).
/// </summary>
public sealed class DeepLabV3PlusDecoder : Module<ResNetFeatures, SegmentationOutput>
{
    private const long Channels = 256;

    private readonly Aspp _aspp;
    private readonly Sequential _head;
    private readonly Sequential _lowConv;
    private readonly Sequential _classifier;
    private readonly Sequential _representation;

    public DeepLabV3PlusDecoder(long lowLevelChannels, long highLevelChannels, long numClasses, IReadOnlyList<long> dilations,
        long representationChannels = 256)
    {
        _aspp = register_module("aspp", new Aspp(highLevelChannels, dilations));
        _head = register_module("head", new Sequential(
            new Conv2d(Aspp.OutputChannels, Channels, 3, padding: 1, bias: false),
            new BatchNorm2d(Channels),
            new ReLU(inplace: true),
            new Dropout2d(0.1)));
        _lowConv = register_module("low_conv", new Sequential(
            new Conv2d(lowLevelChannels, Channels, 1),
            new BatchNorm2d(Channels),
            new ReLU(inplace: true)));
        _classifier = register_module("classifier", Head(numClasses));
        _representation = register_module("representation", Head(representationChannels));
    }

    /// <summary>Whether forward computes the representation head (only the contrastive loss needs it).</summary>
    public bool ComputeRepresentation { get; set; } = true;

    public override SegmentationOutput forward(ResNetFeatures features)
    {
        using var fused = Fuse(features);
        var prediction = _classifier.forward(fused);
        var representation = ComputeRepresentation ? _representation.forward(fused) : null;
        return new SegmentationOutput(prediction, representation);
    }

    private Tensor Fuse(ResNetFeatures features)
    {
        using var pyramid = _aspp.forward(features.Layer4);
        using var high = _head.forward(pyramid);
        using var low = _lowConv.forward(features.Layer1);
        using var upsampled = torch.nn.functional.interpolate(high, low.size(2), low.size(3), alignCorners: true);
        return torch.cat([low, upsampled], 1);
    }

    /// <summary>3×3 512→256 (bias) + BN + ReLU + Dropout2d, 3×3 256→256 (bias) + BN + ReLU + Dropout2d, 1×1 → outputs.</summary>
    private static Sequential Head(long outputs) => new(
        new Conv2d(2 * Channels, Channels, 3, padding: 1),
        new BatchNorm2d(Channels),
        new ReLU(inplace: true),
        new Dropout2d(0.1),
        new Conv2d(Channels, Channels, 3, padding: 1),
        new BatchNorm2d(Channels),
        new ReLU(inplace: true),
        new Dropout2d(0.1),
        new Conv2d(Channels, outputs, 1));
}
