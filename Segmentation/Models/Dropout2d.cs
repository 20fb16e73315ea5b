using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Models;

/// <summary>
/// <c>nn.Dropout2d</c> (whole channels zeroed with probability p, the rest scaled by 1/(1-p)) whose channel masks come
/// from the model's <see cref="DropoutRandomness"/>. The (N, C) keep mask is drawn on the CPU, so a micro-batch drops
/// the same channels on every device. TorchSharp's Dropout2d takes no generator, hence this small module of our own.
/// </summary>
public sealed class Dropout2d(double p, DropoutRandomness randomness) : nn.Module<Tensor, Tensor>(nameof(Dropout2d))
{
    public override Tensor forward(Tensor input)
    {
        if (!training || p == 0)
        {
            return input;
        }
        if (randomness.Generator is not { } generator)
        {
            return nn.functional.dropout2d(input, p, training: true);
        }
        using var scope = torch.NewDisposeScope();
        var keep = torch.empty([input.size(0), input.size(1), 1, 1]).bernoulli_(1 - p, generator);
        using var keptShare = (1 - p).ToScalar(); // held through the native call (Sgd.step_with_live_scalars)
        var mask = keep.div_(keptShare).to(input.dtype, input.device);
        return input.mul(mask).MoveToOuterDisposeScope();
    }
}
