using U2PL.Torch.PInvoke;

namespace U2PL.Torch.Optimizers;

/// <summary>
/// Stochastic gradient descent with momentum and weight decay, as <c>torch.optim.SGD</c> (no dampening, no Nesterov):
/// one native call per group updates every parameter. The momentum buffers are this object's state (checkpoint them
/// with <see cref="named_state"/>).
/// </summary>
public sealed class SGD : IDisposable
{
    private readonly Tensor[][] _momentumBuffers;

    public SGD(IReadOnlyList<ParamGroup> groups, double momentum = 0, double weightDecay = 0)
    {
        if (momentum < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be non-negative");
        }
        if (weightDecay < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be non-negative");
        }
        param_groups = groups;
        Momentum = momentum;
        WeightDecay = weightDecay;
        _momentumBuffers = new Tensor[groups.Count][];
        for (var g = 0; g < groups.Count; g++)
        {
            // Zeros give PyTorch's first step exactly (buffer = gradient) without a special case.
            _momentumBuffers[g] = momentum == 0
                ? []
                : groups[g].Parameters.Select(parameter => torch.zeros_like(parameter).DetachFromDisposeScope()).ToArray();
        }
    }

    public SGD(IEnumerable<Tensor> parameters, double learningRate, double momentum = 0, double weightDecay = 0)
        : this([new ParamGroup(parameters.ToList(), learningRate)], momentum, weightDecay)
    {
    }

    /// <summary>The parameter groups, each with its own learning rate.</summary>
    public IReadOnlyList<ParamGroup> param_groups { get; }

    public double Momentum { get; }

    public double WeightDecay { get; }

    /// <summary>Applies one update from the parameters' accumulated gradients (parameters without one are skipped).</summary>
    public void step()
    {
        for (var g = 0; g < param_groups.Count; g++)
        {
            var group = param_groups[g];
            var parameters = Handles(group.Parameters);
            var buffers = Momentum == 0 ? parameters : Handles(_momentumBuffers[g]);
            NativeMethods.THSOptimizers_sgd_step(parameters, buffers, parameters.Length, group.LearningRate, Momentum, WeightDecay);
            GC.KeepAlive(group.Parameters);
            NativeMethods.CheckForErrors();
        }
    }

    /// <summary>Clears the gradients of every parameter (PyTorch's set_to_none).</summary>
    public void zero_grad()
    {
        foreach (var group in param_groups)
        {
            var parameters = Handles(group.Parameters);
            NativeMethods.THSOptimizers_zero_grad(parameters, parameters.Length);
            GC.KeepAlive(group.Parameters);
            NativeMethods.CheckForErrors();
        }
    }

    /// <summary>The momentum buffers by "group.index", to checkpoint (the tensors are the optimizer's own).</summary>
    public IEnumerable<(string name, Tensor buffer)> named_state()
    {
        for (var g = 0; g < _momentumBuffers.Length; g++)
        {
            for (var i = 0; i < _momentumBuffers[g].Length; i++)
            {
                yield return ($"{g}.{i}.momentum_buffer", _momentumBuffers[g][i]);
            }
        }
    }

    /// <summary>Frees the momentum buffers.</summary>
    public void Dispose()
    {
        foreach (var buffer in _momentumBuffers.SelectMany(buffers => buffers))
        {
            buffer.Dispose();
        }
    }

    private static IntPtr[] Handles(IReadOnlyList<Tensor> tensors)
    {
        var handles = new IntPtr[tensors.Count];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = tensors[i].Handle.DangerousGetHandle();
        }
        return handles;
    }
}
