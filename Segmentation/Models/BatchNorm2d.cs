using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Models;

/// <summary>
/// <c>nn.BatchNorm2d</c>: TorchSharp's BatchNorm (its parameters, buffers and state-dict names, its device moves) with
/// a forward that holds its Scalar. TorchSharp's forward counts <c>num_batches_tracked.add_(1)</c>, a Scalar that only
/// its finalizer frees and that nothing keeps alive through the native call (README, "Implicit Scalars"); in training
/// that runs at every BatchNorm of every forward, where a collection on another thread made it fail ("For integral
/// input tensors, argument alpha must not be a floating point number"). TorchSharp's BatchNorm2d is sealed, hence this
/// small module of our own.
/// </summary>
public sealed class BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1)
    : BatchNorm(num_features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, nameof(BatchNorm2d))
{
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var factor = momentum ?? 0.0;
        if (training && num_batches_tracked is { } tracked)
        {
            using var one = 1.ToScalar(); // held through the native call (Sgd.step_with_live_scalars)
            tracked.add_(one, alpha: one);
            // momentum = None: the cumulative average, 1 / num_batches_tracked.
            factor = momentum ?? 1.0 / tracked.item_long();
        }
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias,
            training: training || running_mean is null && running_var is null, momentum: factor, eps: eps);
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4)
        {
            throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.");
        }
    }
}
