using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace U2PL.Segmentation.Models;

/// <summary>A residual block: out = relu(body(x) + shortcut(x)).</summary>
public abstract class ResNetBlock : nn.Module<Tensor, Tensor>
{
    protected ResNetBlock(string name, long inChannels, long outChannels, long stride) : base(name)
    {
        if (stride != 1 || inChannels != outChannels)
        {
            _shortcutShape = (inChannels, outChannels, stride);
        }
    }

    private readonly (long In, long Out, long Stride)? _shortcutShape;

    /// <summary>The 1×1 projection shortcut (torchvision's <c>downsample</c>), when shape or stride changes.</summary>
    protected InPlaceSequential? downsample { get; private set; }

    /// <summary>Registers the shortcut after the body (the subclass's RegisterComponents()) so that state-dict keys keep
    /// torchvision's order.</summary>
    protected void RegisterShortcut()
    {
        if (_shortcutShape is { } spec)
        {
            downsample = new InPlaceSequential(
                nn.Conv2d(spec.In, spec.Out, 1, stride: spec.Stride, bias: false),
                new BatchNorm2d(spec.Out));
            register_module("downsample", downsample);
        }
    }

    /// <summary>The residual branch, before the final ReLU.</summary>
    protected abstract Tensor Body(Tensor input);

    /// <summary>In place on the body's output, as torchvision's <c>out += identity; relu(out)</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        var body = Body(input);
        using var one = 1.ToScalar(); // held through the native call: an implicit Scalar can be freed by a finalizer mid-call (Sgd.step_with_live_scalars)
        if (downsample is null)
        {
            body.add_(input, alpha: one);
        }
        else
        {
            using var shortcut = downsample.forward(input);
            body.add_(shortcut, alpha: one);
        }
        return body.relu_();
    }

    /// <summary>conv → bn → relu (in place on the BN output), releasing the intermediates (autograd keeps what it needs).</summary>
    protected static Tensor ConvBnRelu(Conv2d conv, BatchNorm2d bn, Tensor input)
    {
        using var c = conv.forward(input);
        return bn.forward(c).relu_();
    }

    protected static Tensor ConvBn(Conv2d conv, BatchNorm2d bn, Tensor input)
    {
        using var c = conv.forward(input);
        return bn.forward(c);
    }
}

/// <summary>
/// ResNet-18/34's block: two 3×3 convolutions. torchvision refuses dilation here; we dilate both 3×3 convolutions
/// (padding = dilation), which keeps the parameter layout of torchvision's block and makes output stride 8 possible.
/// </summary>
public sealed class BasicBlock : ResNetBlock
{
    public const int Expansion = 1;

    // Named after torchvision's state-dict keys, registered by RegisterComponents().
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;

    public BasicBlock(long inChannels, long planes, long stride, long dilation) : base(nameof(BasicBlock), inChannels, planes * Expansion, stride)
    {
        conv1 = nn.Conv2d(inChannels, planes, 3, stride, padding: dilation, dilation: dilation, bias: false);
        bn1 = new BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, 1, padding: dilation, dilation: dilation, bias: false);
        bn2 = new BatchNorm2d(planes);
        RegisterComponents();
        RegisterShortcut();
    }

    protected override Tensor Body(Tensor input)
    {
        using var x = ConvBnRelu(conv1, bn1, input);
        return ConvBn(conv2, bn2, x);
    }
}

/// <summary>ResNet-50/101's block: 1×1 reduce, 3×3 (strided, dilated), 1×1 expand ×4 (torchvision's v1.5 layout).</summary>
public sealed class Bottleneck : ResNetBlock
{
    public const int Expansion = 4;

    // Named after torchvision's state-dict keys, registered by RegisterComponents().
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;

    public Bottleneck(long inChannels, long planes, long stride, long dilation) : base(nameof(Bottleneck), inChannels, planes * Expansion, stride)
    {
        conv1 = nn.Conv2d(inChannels, planes, 1, bias: false);
        bn1 = new BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride, padding: dilation, dilation: dilation, bias: false);
        bn2 = new BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = new BatchNorm2d(planes * Expansion);
        RegisterComponents();
        RegisterShortcut();
    }

    protected override Tensor Body(Tensor input)
    {
        using var x1 = ConvBnRelu(conv1, bn1, input);
        using var x2 = ConvBnRelu(conv2, bn2, x1);
        return ConvBn(conv3, bn3, x2);
    }
}
