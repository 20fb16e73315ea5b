using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Worker;

/// <summary>A worker's update: backward only. The gradients stay on the student's parameters for the push; the parameter server applies SGD and EMA.</summary>
internal sealed class GradientOnlyUpdate(DeepLabV3Plus student, TrainingOptions options, TrainingSchedule schedule) : IStudentUpdate
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
