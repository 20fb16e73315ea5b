namespace U2PL.Torch.Modules;

/// <summary>2-D convolution over (N, C, H, W), square kernels; weights initialised as PyTorch's default.</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    private readonly long _stride;
    private readonly long _padding;
    private readonly long _dilation;
    private readonly long _groups;

    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true)
    {
        _stride = stride;
        _padding = padding;
        _dilation = dilation;
        _groups = groups;
        weight = register_parameter("weight", torch.empty([outChannels, inChannels / groups, kernelSize, kernelSize]));
        // PyTorch's default: kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), bias likewise.
        torch.nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias)
        {
            var bound = 1 / Math.Sqrt(torch.nn.init.Fan(weight, torch.nn.init.FanMode.FanIn));
            this.bias = register_parameter("bias", torch.empty([outChannels]));
            torch.nn.init.uniform_(this.bias, -bound, bound);
        }
    }

    public Tensor weight { get; }

    public Tensor? bias { get; }

    public override Tensor forward(Tensor input) =>
        torch.nn.functional.conv2d(input, weight, bias, _stride, _padding, _dilation, _groups);
}
