namespace U2PL.Torch.Modules;

/// <summary>Layers applied in order, named "0", "1", ... as in PyTorch so that state-dict keys match.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var layer in layers)
        {
            _layers.Add(register_module(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));
        }
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Module<Tensor, Tensor>> Layers => _layers;

    /// <summary>Intermediate results are released as soon as the next layer has consumed them (autograd keeps what it needs).</summary>
    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            var next = layer.forward(x);
            if (!ReferenceEquals(x, input))
            {
                x.Dispose();
            }
            x = next;
        }
        return ReferenceEquals(x, input) ? input.alias() : x;
    }
}
