using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Models;

/// <summary>
/// <c>nn.Sequential</c> for chains with in-place layers (ReLU(inplace: true)). TorchSharp's Sequential disposes each
/// intermediate result after the next layer ran; an in-place layer returns its input, so that would dispose the very
/// tensor passed on. This one disposes an intermediate only when the next layer returned a different tensor. Children
/// are named "0", "1", ... as PyTorch's Sequential, so the state-dict keys stay PyTorch's.
/// </summary>
public sealed class InPlaceSequential : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>[] _layers;

    public InPlaceSequential(params nn.Module<Tensor, Tensor>[] layers) : base(nameof(InPlaceSequential))
    {
        _layers = layers;
        for (var i = 0; i < layers.Length; i++)
        {
            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
        }
    }

    public override Tensor forward(Tensor input)
    {
        var x = _layers[0].call(input);
        for (var i = 1; i < _layers.Length; i++)
        {
            var next = _layers[i].call(x);
            if (!ReferenceEquals(next, x))
            {
                x.Dispose();
            }
            x = next;
        }
        return x;
    }
}
