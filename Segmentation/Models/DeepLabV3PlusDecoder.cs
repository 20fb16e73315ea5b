using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

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
public sealed class DeepLabV3PlusDecoder : nn.Module<ResNetFeatures, SegmentationOutput>
{
    private const long Channels = 256;

    // Named after their state-dict keys (U2PL's), registered by RegisterComponents().
    private readonly Aspp aspp;
    private readonly InPlaceSequential head;
    private readonly InPlaceSequential low_conv;
    private readonly InPlaceSequential classifier;
    private readonly InPlaceSequential representation;

    public DeepLabV3PlusDecoder(long lowLevelChannels, long highLevelChannels, long numClasses, IReadOnlyList<long> dilations,
        long representationChannels = 256, DropoutRandomness? dropout = null) : base(nameof(DeepLabV3PlusDecoder))
    {
        dropout ??= new DropoutRandomness();
        aspp = new Aspp(highLevelChannels, dilations);
        head = new InPlaceSequential(
            nn.Conv2d(Aspp.OutputChannels, Channels, 3, padding: 1, bias: false),
            new BatchNorm2d(Channels),
            nn.ReLU(inplace: true),
            new Dropout2d(0.1, dropout));
        low_conv = new InPlaceSequential(
            nn.Conv2d(lowLevelChannels, Channels, 1),
            new BatchNorm2d(Channels),
            nn.ReLU(inplace: true));
        classifier = Head(numClasses, dropout);
        representation = Head(representationChannels, dropout);
        RegisterComponents();
    }

    /// <summary>Both heads, as U2PL's decoder built with <c>rep_head</c>.</summary>
    public override SegmentationOutput forward(ResNetFeatures features) => forward(features, representation: true);

    /// <summary>The classifier, and the representation head when <paramref name="representation"/> (only Lc needs it).</summary>
    public SegmentationOutput forward(ResNetFeatures features, bool representation)
    {
        using var fused = Fuse(features);
        var prediction = classifier.forward(fused);
        return new SegmentationOutput(prediction, representation ? this.representation.forward(fused) : null);
    }

    private Tensor Fuse(ResNetFeatures features)
    {
        using var pyramid = aspp.forward(features.Layer4);
        using var high = head.forward(pyramid);
        using var low = low_conv.forward(features.Layer1);
        using var upsampled = nn.functional.interpolate(high, [low.size(2), low.size(3)], mode: InterpolationMode.Bilinear, align_corners: true);
        return torch.cat([low, upsampled], 1);
    }

    /// <summary>3×3 512→256 (bias) + BN + ReLU + Dropout2d, 3×3 256→256 (bias) + BN + ReLU + Dropout2d, 1×1 → outputs.</summary>
    private static InPlaceSequential Head(long outputs, DropoutRandomness dropout) => new(
        nn.Conv2d(2 * Channels, Channels, 3, padding: 1),
        new BatchNorm2d(Channels),
        nn.ReLU(inplace: true),
        new Dropout2d(0.1, dropout),
        nn.Conv2d(Channels, Channels, 3, padding: 1),
        new BatchNorm2d(Channels),
        nn.ReLU(inplace: true),
        new Dropout2d(0.1, dropout),
        nn.Conv2d(Channels, outputs, 1));
}
