using TorchSharp;
using TorchSharp.Modules;
using U2PL.Segmentation.Method;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Method;

/// <summary><see cref="Sgd.step_with_live_scalars"/>: TorchSharp's SGD step to the bit, with its Scalars alive through every call.</summary>
public sealed class SgdStepTests
{
    [Fact]
    public void It_gives_the_same_floats_as_TorchSharps_step_with_two_groups_decay_momentum_and_a_parameter_without_gradient()
    {
        using var scope = torch.NewDisposeScope();
        var (ours, oursOptimizer) = Model(seed: 3);
        var (theirs, theirsOptimizer) = Model(seed: 3);
        for (var step = 0; step < 4; step++)
        {
            foreach (var (parameters, optimizer, update) in new[]
                     {
                         (ours, oursOptimizer, (Action)(() => oursOptimizer.step_with_live_scalars())),
                         (theirs, theirsOptimizer, () => theirsOptimizer.step()),
                     })
            {
                using var stepScope = torch.NewDisposeScope();
                foreach (var group in optimizer.param_groups()) group.LearningRate = 0.1 / (step + 1);
                optimizer.zero_grad(set_to_none: true);
                // The third parameter takes no part in the loss: no gradient, so neither decay nor momentum moves it.
                var loss = parameters[0].pow(2).sum() * 0.5 + (parameters[1] * parameters[0].sum()).sin().sum();
                loss.backward();
                update();
            }
        }
        for (var i = 0; i < ours.Length; i++)
        {
            Assert.True(Same(ours[i], theirs[i]), $"parameter {i} differs");
        }
        Assert.True(Same(ours[2], Model(seed: 3).Parameters[2]), "the parameter without gradient moved");
        foreach (var ((name, ourBuffer), (_, theirBuffer)) in oursOptimizer.named_state().Zip(theirsOptimizer.named_state()))
        {
            Assert.True(Same(ourBuffer, theirBuffer), $"{name} differs");
        }
    }

    [Fact]
    public void Steps_taken_while_another_thread_forces_collections_and_finalizers_give_the_quiet_machines_floats()
    {
        // A finalizer that frees a Scalar still in use surfaces as a libtorch error ("Expected false to be true") or a
        // wrong value: TorchSharp's own step fails here within 300 steps in most runs.
        using var scope = torch.NewDisposeScope();
        var (quiet, quietOptimizer) = Model(seed: 5, size: 1 << 18);
        var (stressed, stressedOptimizer) = Model(seed: 5, size: 1 << 18);
        Train(quiet, quietOptimizer, steps: 300);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            Train(stressed, stressedOptimizer, steps: 300);
        }
        finally
        {
            stop.Cancel();
            collector.Wait();
        }
        for (var i = 0; i < quiet.Length; i++)
        {
            Assert.True(Same(quiet[i], stressed[i]), $"parameter {i} differs");
        }
    }

    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    private static void Train(Parameter[] parameters, SGD optimizer, int steps)
    {
        // Gradients set directly (those of ½‖θ‖²): autograd and tensor arithmetic convert Scalars of their own
        // (even a + b passes alpha = 1), and only the step is under test here.
        for (var step = 0; step < steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            foreach (var parameter in parameters[..2]) parameter.grad = parameter.detach().clone();
            optimizer.step_with_live_scalars();
        }
    }

    private static (Parameter[] Parameters, SGD Optimizer) Model(int seed, long size = 64)
    {
        var generator = new Generator((ulong)seed);
        var parameters = Enumerable.Range(0, 3)
            .Select(_ => new Parameter(torch.randn([size], generator: generator)))
            .ToArray();
        var optimizer = Sgd.Create([([parameters[0]], 0.1), ([parameters[1], parameters[2]], 0.1)], momentum: 0.9, weightDecay: 5e-4);
        return (parameters, optimizer);
    }
}
