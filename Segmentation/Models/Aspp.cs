using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace U2PL.Segmentation.Models;

/// <summary>
/// Atrous spatial pyramid pooling, as U2PL's decoder: image pooling, a 1×1 branch and three dilated 3×3 branches,
/// each conv (no bias) + BN + ReLU with 256 channels, concatenated to 1280 channels. Key names follow U2PL
/// (conv1 = pooling branch, conv2 = 1×1, conv3..conv5 = dilated).
/// </summary>
public sealed class Aspp : nn.Module<Tensor, Tensor>
{
    public const int BranchChannels = 256;

    // Named after their state-dict keys (U2PL's), registered by RegisterComponents().
    private readonly InPlaceSequential conv1;
    private readonly InPlaceSequential conv2;
    private readonly InPlaceSequential conv3;
    private readonly InPlaceSequential conv4;
    private readonly InPlaceSequential conv5;

    public Aspp(long inChannels, IReadOnlyList<long> dilations) : base(nameof(Aspp))
    {
        if (dilations.Count != 3)
        {
            throw new ArgumentException("ASPP takes three dilations", nameof(dilations));
        }
        conv1 = new InPlaceSequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(inChannels, BranchChannels, 1, bias: false),
            new BatchNorm2d(BranchChannels),
            nn.ReLU(inplace: true));
        conv2 = ConvBnRelu(inChannels, 1, 0, 1);
        conv3 = ConvBnRelu(inChannels, 3, dilations[0], dilations[0]);
        conv4 = ConvBnRelu(inChannels, 3, dilations[1], dilations[1]);
        conv5 = ConvBnRelu(inChannels, 3, dilations[2], dilations[2]);
        RegisterComponents();
    }

    /// <summary>Channels of the concatenated output.</summary>
    public static long OutputChannels => 5 * BranchChannels;

    public override Tensor forward(Tensor input)
    {
        var height = input.size(2);
        var width = input.size(3);
        var outputs = new List<Tensor>(5);
        try
        {
            using (var pooled = conv1.forward(input))
            {
                outputs.Add(nn.functional.interpolate(pooled, [height, width], mode: InterpolationMode.Bilinear, align_corners: true));
            }
            foreach (var branch in new[] { conv2, conv3, conv4, conv5 })
            {
                outputs.Add(branch.forward(input));
            }
            return torch.cat(outputs, 1);
        }
        finally
        {
            outputs.ForEach(output => output.Dispose());
        }
    }

    private static InPlaceSequential ConvBnRelu(long inChannels, long kernel, long padding, long dilation) => new(
        nn.Conv2d(inChannels, BranchChannels, kernel, padding: padding, dilation: dilation, bias: false),
        new BatchNorm2d(BranchChannels),
        nn.ReLU(inplace: true));
}
