using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace U2PL.Segmentation.Models;

/// <summary>
/// The segmentation model of U2PL: a ResNet encoder and the DeepLabv3+ decoder with classifier and representation
/// heads. State-dict keys: <c>encoder.*</c> (torchvision names) and <c>decoder.*</c> (U2PL names).
/// </summary>
public sealed class DeepLabV3Plus : nn.Module<Tensor, SegmentationOutput>
{
    public DeepLabV3Plus(ModelOptions options) : base(nameof(DeepLabV3Plus))
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid model options: " + string.Join("; ", problems), nameof(options));
        }
        Options = options;
        var (low, high) = options.Architecture.Channels();
        Encoder = new ResNet(options.Architecture, options.OutputStride);
        Decoder = new DeepLabV3PlusDecoder(low, high, options.NumClasses, options.AsppDilations);
        register_module("encoder", Encoder);
        register_module("decoder", Decoder);
    }

    /// <summary>Children are registered above under their state-dict names; TorchSharp's default would also register
    /// every module field under the field's name, giving each weight a second key.</summary>
    protected override void RegisterComponents()
    {
    }

    public ModelOptions Options { get; }

    public ResNet Encoder { get; }

    /// <summary>Where the parameters are (PyTorch's <c>next(model.parameters()).device</c>): inputs go there.</summary>
    public Device Device => Encoder.parameters().First().device;

    public DeepLabV3PlusDecoder Decoder { get; }

    public override SegmentationOutput forward(Tensor input)
    {
        using var features = Encoder.forward(input);
        return Decoder.forward(features);
    }
}
