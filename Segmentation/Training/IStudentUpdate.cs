using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace U2PL.Segmentation.Training;

/// <summary>
/// What a step does with its loss. In one process: backward, SGD with poly decay, then the EMA teacher. On a cluster
/// worker: backward only; the parameter server applies SGD and EMA to the gradient the worker pushes.
/// </summary>
public interface IStudentUpdate
{
    /// <summary>Called before the step's forward passes; returns the iteration's base learning rate.</summary>
    double Prepare(long iteration);

    /// <summary>Backpropagates <paramref name="loss"/> and updates what this update owns.</summary>
    void Apply(Tensor loss, long iteration, bool semi);
}

/// <summary>The single-process update: SGD with poly decay, then θt ← EMA(θt, θs) in the semi-supervised phase.</summary>
public sealed class LocalSgdUpdate(SGD optimizer, EmaTeacher teacher, TrainingSchedule schedule) : IStudentUpdate
{
    public double Prepare(long iteration)
    {
        PolyLearningRate.Apply(optimizer, iteration, schedule.TotalIterations);
        return optimizer.param_groups()[0].LearningRate;
    }

    public void Apply(Tensor loss, long iteration, bool semi)
    {
        optimizer.zero_grad(set_to_none: true);
        loss.backward();
        optimizer.step_with_live_scalars();
        if (semi)
        {
            teacher.Update(teacher.Decay(iteration, schedule.WarmupIterations));
        }
    }
}
