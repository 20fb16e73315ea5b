namespace U2PL.Torch.Modules;

/// <summary>Batch normalization over the channels of (N, C, H, W), with running statistics as PyTorch's.</summary>
public sealed class BatchNorm2d : Module<Tensor, Tensor>
{
    private readonly double _eps;
    private readonly double _momentum;

    public BatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1)
    {
        _eps = eps;
        _momentum = momentum;
        weight = register_parameter("weight", torch.ones([features]));
        bias = register_parameter("bias", torch.zeros([features]));
        running_mean = register_buffer("running_mean", torch.zeros([features]));
        running_var = register_buffer("running_var", torch.ones([features]));
        num_batches_tracked = register_buffer("num_batches_tracked", torch.zeros([], ScalarType.Int64));
    }

    public Tensor weight { get; }

    public Tensor bias { get; }

    public Tensor running_mean { get; }

    public Tensor running_var { get; }

    public Tensor num_batches_tracked { get; }

    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using var _ = torch.no_grad();
            num_batches_tracked.add_(1);
        }
        return torch.nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, _momentum, _eps);
    }
}
