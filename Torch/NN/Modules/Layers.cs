namespace U2PL.Torch.Modules;

/// <summary>
/// max(x, 0). In place (as PyTorch's <c>ReLU(inplace=True)</c>) it overwrites its input and returns a new handle to
/// it: valid after batch norm, whose backward does not need its output, and it saves one activation per layer.
/// </summary>
public sealed class ReLU(bool inplace = false) : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => inplace ? input.relu_().alias() : input.relu();
}

/// <summary>Zeroes whole channels with probability p in training mode (torch.nn.Dropout2d).</summary>
public sealed class Dropout2d(double p = 0.5) : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => torch.nn.functional.dropout2d(input, p, training);
}

/// <summary>Max pooling with square windows.</summary>
public sealed class MaxPool2d(long kernelSize, long stride, long padding = 0) : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => torch.nn.functional.max_pool2d(input, kernelSize, stride, padding);
}

/// <summary>Average pooling to a fixed output size.</summary>
public sealed class AdaptiveAvgPool2d(long outputHeight, long outputWidth) : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => torch.nn.functional.adaptive_avg_pool2d(input, outputHeight, outputWidth);
}
