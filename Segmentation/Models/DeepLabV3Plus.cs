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
    // Initialization draws from libtorch's default generator, which is process-wide: a seeded construction must not
    // interleave with another construction (shards and workers of one silo build models concurrently).
    private static readonly Lock Construction = new();

    /// <summary>The model initialized from <paramref name="seed"/>: the same weights in every process and on every thread.</summary>
    public static DeepLabV3Plus Seeded(ModelOptions options, long seed)
    {
        lock (Construction)
        {
            torch.manual_seed(seed);
            return new DeepLabV3Plus(options);
        }
    }

    public DeepLabV3Plus(ModelOptions options) : base(nameof(DeepLabV3Plus))
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid model options: " + string.Join("; ", problems), nameof(options));
        }
        Options = options;
        var (low, high) = options.Architecture.Channels();
        lock (Construction)
        {
            encoder = new ResNet(options.Architecture, options.OutputStride);
            decoder = new DeepLabV3PlusDecoder(low, high, options.NumClasses, options.AsppDilations, dropout: Dropout);
        }
        RegisterComponents();
    }

    // Named after their state-dict keys, registered by RegisterComponents().
    private readonly ResNet encoder;
    private readonly DeepLabV3PlusDecoder decoder;

    public ModelOptions Options { get; }

    public ResNet Encoder => encoder;

    /// <summary>Where the parameters are (PyTorch's <c>next(model.parameters()).device</c>): inputs go there.</summary>
    public Device Device => Encoder.parameters().First().device;

    public DeepLabV3PlusDecoder Decoder => decoder;

    /// <summary>Where the decoder's Dropout2d layers draw their masks (a training step sets its micro-batch's generator).</summary>
    public DropoutRandomness Dropout { get; } = new();

    /// <summary>Logits and representation (U2PL's model with <c>rep_head</c>).</summary>
    public override SegmentationOutput forward(Tensor input) => forward(input, representation: true);

    /// <summary>Logits, and the representation only when <paramref name="representation"/> (evaluation and pseudo-labels skip it).</summary>
    public SegmentationOutput forward(Tensor input, bool representation)
    {
        using var features = Encoder.forward(input);
        return Decoder.forward(features, representation);
    }
}
