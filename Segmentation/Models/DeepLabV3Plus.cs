using U2PL.Torch;
using U2PL.Torch.Modules;

namespace U2PL.Segmentation.Models;

/// <summary>
/// The segmentation model of U2PL: a ResNet encoder and the DeepLabv3+ decoder with classifier and representation
/// heads. State-dict keys: <c>encoder.*</c> (torchvision names) and <c>decoder.*</c> (U2PL names).
/// </summary>
public sealed class DeepLabV3Plus : Module<Tensor, SegmentationOutput>
{
    public DeepLabV3Plus(ModelOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid model options: " + string.Join("; ", problems), nameof(options));
        }
        Options = options;
        var (low, high) = options.Architecture.Channels();
        Encoder = register_module("encoder", new ResNet(options.Architecture, options.OutputStride));
        Decoder = register_module("decoder", new DeepLabV3PlusDecoder(low, high, options.NumClasses, options.AsppDilations));
    }

    public ModelOptions Options { get; }

    public ResNet Encoder { get; }

    public DeepLabV3PlusDecoder Decoder { get; }

    public override SegmentationOutput forward(Tensor input)
    {
        using var features = Encoder.forward(input);
        return Decoder.forward(features);
    }
}
