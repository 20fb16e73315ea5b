using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// TorchSharp's SGD as the training code uses it. Three things it does not do the way the method needs, kept here:
/// every group gets the momentum and weight decay (TorchSharp's ParamGroup(params, lr) silently sets both to 0);
/// momentum buffers exist from the start as zeros, so that a checkpoint always has them (with dampening 0 the first
/// step is still buf = grad, as PyTorch's) and they can be listed by name; and <see cref="zero_grad"/> sets gradients
/// to none (TorchSharp's optimizer zeroes them, so a parameter a step did not reach would still get decay and momentum).
/// A fourth, <see cref="step_with_live_scalars"/>: TorchSharp's own step (0.107) passes momentum, 1 − dampening and
/// −lr as implicitly converted Scalars, which only their finalizer frees and nothing keeps alive during the native call.
/// </summary>
public static class Sgd
{
    /// <summary>An SGD over (parameters, learning rate) groups, each with the same momentum and weight decay.</summary>
    public static SGD Create(IEnumerable<(IEnumerable<Tensor> Parameters, double LearningRate)> groups, double momentum, double weightDecay)
    {
        var paramGroups = groups
            .Select(g => new SGD.ParamGroup(g.Parameters.Select(AsParameter).ToList(), g.LearningRate, momentum: momentum, weight_decay: weightDecay))
            .ToList();
        var optimizer = torch.optim.SGD(paramGroups, paramGroups[0].LearningRate, momentum, weight_decay: weightDecay);
        if (momentum != 0)
        {
            foreach (var (_, parameter, state) in States(optimizer))
            {
                state.momentum_buffer ??= torch.zeros_like(parameter).DetachFromDisposeScope();
            }
        }
        return optimizer;
    }

    /// <summary>The groups, in order (the encoder first where there are two).</summary>
    public static IReadOnlyList<SGD.ParamGroup> param_groups(this SGD optimizer) => optimizer.ParamGroups.Cast<SGD.ParamGroup>().ToList();

    /// <summary>Momentum buffers named "GROUP.INDEX.momentum_buffer" (the optimizer's own tensors: do not dispose).</summary>
    public static IEnumerable<(string name, Tensor buffer)> named_state(this SGD optimizer) =>
        States(optimizer)
            .Where(entry => entry.State.momentum_buffer is not null)
            .Select(entry => (entry.Name, entry.State.momentum_buffer));

    /// <summary>
    /// TorchSharp's SGD step, the same operations in the same order (the same floats), with its Scalars created once
    /// per group and disposed after it. TorchSharp's step converts doubles at each call; such a Scalar is unreachable
    /// while libtorch still reads it, so a GC on another thread may let its finalizer free it mid-call. Seen on a silo
    /// whose shards step beside two workers: "Expected false to be true ... toDouble" from mul_ inside SGD.step
    /// (dotnet/TorchSharp PRs 1434 and 1496, open, dispose such Scalars in TorchSharp itself).
    /// </summary>
    public static void step_with_live_scalars(this SGD optimizer)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var state = optimizer.state_dict();
        var groups = optimizer.param_groups();
        for (var g = 0; g < groups.Count; g++)
        {
            var options = (SGD.Options)groups[g].Options;
            var momentum = options.momentum ?? 0;
            var nesterov = options.nesterov ?? false;
            var learningRate = options.LearningRate ?? 0;
            using var weightDecay = (options.weight_decay ?? 0).ToScalar();
            using var momentumScalar = momentum.ToScalar();
            using var keep = (1 - (options.dampening ?? 0)).ToScalar();
            using var alpha = (options.maximize == true ? learningRate : -learningRate).ToScalar();
            var parameters = groups[g].Parameters.ToList();
            for (var i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                var grad = parameter.grad;
                if (grad is null) continue;
                if (options.weight_decay is not (null or 0))
                {
                    grad = grad.add(parameter, alpha: weightDecay);
                }
                if (momentum != 0)
                {
                    var sgdState = (SGD.State)state.State[state.StateIndexRef[g][i]];
                    var buffer = sgdState.momentum_buffer;
                    if (buffer is null)
                    {
                        buffer = grad.clone().detach().DetachFromDisposeScope();
                        sgdState.momentum_buffer = buffer;
                    }
                    else
                    {
                        buffer.mul_(momentumScalar).add_(grad, alpha: keep);
                    }
                    grad = nesterov ? grad.add(buffer, alpha: momentumScalar) : buffer;
                }
                parameter.add_(grad, alpha: alpha);
            }
        }
    }

    /// <summary>Sets every parameter's gradient to none (PyTorch's zero_grad(set_to_none=True)).</summary>
    public static void zero_grad(this SGD optimizer, bool set_to_none)
    {
        if (!set_to_none)
        {
            optimizer.zero_grad();
            return;
        }
        foreach (var group in optimizer.param_groups())
        {
            foreach (var parameter in group.Parameters)
            {
                parameter.grad = null;
            }
        }
    }

    private static IEnumerable<(string Name, Parameter Parameter, SGD.State State)> States(SGD optimizer)
    {
        var state = optimizer.state_dict();
        var groups = optimizer.param_groups();
        for (var g = 0; g < groups.Count; g++)
        {
            var parameters = groups[g].Parameters.ToList();
            for (var i = 0; i < parameters.Count; i++)
            {
                yield return ($"{g}.{i}.momentum_buffer", parameters[i], (SGD.State)state.State[state.StateIndexRef[g][i]]);
            }
        }
    }

    private static Parameter AsParameter(Tensor tensor) =>
        tensor as Parameter ?? throw new ArgumentException("SGD needs the module's parameters (nn.Parameter), not plain tensors");
}
