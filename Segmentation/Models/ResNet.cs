using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace U2PL.Segmentation.Models;

/// <summary>The four stages' outputs; layer1 feeds the low-level branch, layer4 the ASPP.</summary>
public sealed record ResNetFeatures(Tensor Layer1, Tensor Layer2, Tensor Layer3, Tensor Layer4) : IDisposable
{
    public void Dispose()
    {
        Layer1.Dispose();
        Layer2.Dispose();
        Layer3.Dispose();
        Layer4.Dispose();
    }
}

/// <summary>
/// ResNet in torchvision's layout and key names (conv1, bn1, layer1..layer4; no fc), with output stride 8
/// (layer3, layer4 dilated 2 and 4: torchvision's replace_stride_with_dilation=[False, True, True]), 16 or 32.
/// </summary>
public sealed class ResNet : nn.Module<Tensor, ResNetFeatures>
{
    // Named after torchvision's state-dict keys, registered by RegisterComponents(); the layers by hand, as
    // RegisterComponents() does not see array elements.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly InPlaceSequential[] _layers = new InPlaceSequential[4];

    public ResNet(ResNetArchitecture architecture, int outputStride = 8) : base(nameof(ResNet))
    {
        if (outputStride is not (8 or 16 or 32))
        {
            throw new ArgumentOutOfRangeException(nameof(outputStride), outputStride, "output stride must be 8, 16 or 32");
        }
        Architecture = architecture;
        OutputStride = outputStride;
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = new BatchNorm2d(64);
        maxpool = nn.MaxPool2d(3, 2, 1);
        RegisterComponents();

        bool[] dilate = outputStride switch { 8 => [false, false, true, true], 16 => [false, false, false, true], _ => [false, false, false, false] };
        long[] planes = [64, 128, 256, 512];
        var blocks = architecture.BlocksPerLayer();
        long inChannels = 64;
        long dilation = 1;
        for (var i = 0; i < 4; i++)
        {
            var (layer, outChannels, nextDilation) = MakeLayer(architecture, inChannels, planes[i], blocks[i], stride: i == 0 ? 1 : 2, dilation, dilate[i]);
            _layers[i] = layer;
            register_module($"layer{i + 1}", layer);
            inChannels = outChannels;
            dilation = nextDilation;
        }
        InitializeAsTorchvision();
    }

    public ResNetArchitecture Architecture { get; }

    public int OutputStride { get; }

    public override ResNetFeatures forward(Tensor input)
    {
        Tensor stem;
        using (var c = conv1.forward(input))
        using (var r = bn1.forward(c).relu_())
        {
            stem = maxpool.forward(r);
        }
        using (stem)
        {
            var layer1 = _layers[0].forward(stem);
            var layer2 = _layers[1].forward(layer1);
            var layer3 = _layers[2].forward(layer2);
            var layer4 = _layers[3].forward(layer3);
            return new ResNetFeatures(layer1, layer2, layer3, layer4);
        }
    }

    /// <summary>As torchvision's _make_layer: a dilated stage keeps stride 1; its first block uses the previous dilation.</summary>
    private static (InPlaceSequential Layer, long OutChannels, long Dilation) MakeLayer(ResNetArchitecture architecture, long inChannels,
        long planes, int blocks, long stride, long previousDilation, bool dilate)
    {
        var dilation = previousDilation;
        if (dilate)
        {
            dilation *= stride;
            stride = 1;
        }
        var expansion = architecture.UsesBottleneck() ? Bottleneck.Expansion : BasicBlock.Expansion;
        var layers = new nn.Module<Tensor, Tensor>[blocks];
        for (var b = 0; b < blocks; b++)
        {
            var blockIn = b == 0 ? inChannels : planes * expansion;
            var blockStride = b == 0 ? stride : 1;
            var blockDilation = b == 0 ? previousDilation : dilation;
            layers[b] = architecture.UsesBottleneck()
                ? new Bottleneck(blockIn, planes, blockStride, blockDilation)
                : new BasicBlock(blockIn, planes, blockStride, blockDilation);
        }
        return (new InPlaceSequential(layers), planes * expansion, dilation);
    }

    /// <summary>torchvision's init: Kaiming normal (fan_out, ReLU) for convolutions, BN weight 1 and bias 0.</summary>
    private void InitializeAsTorchvision()
    {
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv)
            {
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            }
        }
    }
}
