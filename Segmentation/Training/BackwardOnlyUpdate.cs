using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary>
/// Backward only: the gradients stay on the student's parameters for whoever applies the step (a micro-batched step in
/// one process, or the parameter server a cluster worker pushes them to).
/// </summary>
public sealed class BackwardOnlyUpdate(DeepLabV3Plus student, TrainingOptions options, TrainingSchedule schedule) : IStudentUpdate
{
    private readonly Tensor[] _parameters = student.parameters().ToArray();

    public double Prepare(long iteration) =>
        options.LearningRate * PolyLearningRate.Factor(iteration, schedule.TotalIterations, options.PolyPower);

    public void Apply(Tensor loss, long iteration, bool semi)
    {
        foreach (var parameter in _parameters)
        {
            parameter.grad = null;
        }
        loss.backward();
    }
}
