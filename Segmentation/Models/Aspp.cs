using U2PL.Torch;
using U2PL.Torch.Modules;

namespace U2PL.Segmentation.Models;

/// <summary>
/// Atrous spatial pyramid pooling, as U2PL's decoder: image pooling, a 1×1 branch and three dilated 3×3 branches,
/// each conv (no bias) + BN + ReLU with 256 channels, concatenated to 1280 channels. Key names follow U2PL
/// (conv1 = pooling branch, conv2 = 1×1, conv3..conv5 = dilated).
/// </summary>
public sealed class Aspp : Module<Tensor, Tensor>
{
    public const int BranchChannels = 256;

    private readonly Sequential _pooling;
    private readonly Sequential[] _branches;

    public Aspp(long inChannels, IReadOnlyList<long> dilations)
    {
        if (dilations.Count != 3)
        {
            throw new ArgumentException("ASPP takes three dilations", nameof(dilations));
        }
        _pooling = register_module("conv1", new Sequential(
            new AdaptiveAvgPool2d(1, 1),
            new Conv2d(inChannels, BranchChannels, 1, bias: false),
            new BatchNorm2d(BranchChannels),
            new ReLU(inplace: true)));
        _branches = new Sequential[4];
        _branches[0] = register_module("conv2", ConvBnRelu(inChannels, 1, 0, 1));
        for (var i = 0; i < 3; i++)
        {
            _branches[i + 1] = register_module($"conv{i + 3}", ConvBnRelu(inChannels, 3, dilations[i], dilations[i]));
        }
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
            using (var pooled = _pooling.forward(input))
            {
                outputs.Add(torch.nn.functional.interpolate(pooled, height, width, alignCorners: true));
            }
            foreach (var branch in _branches)
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

    private static Sequential ConvBnRelu(long inChannels, long kernel, long padding, long dilation) => new(
        new Conv2d(inChannels, BranchChannels, kernel, padding: padding, dilation: dilation, bias: false),
        new BatchNorm2d(BranchChannels),
        new ReLU(inplace: true));
}
