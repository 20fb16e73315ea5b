using TorchSharp.Modules;

namespace U2PL.Segmentation.Method;

/// <summary>Poly decay per iteration, as the official scheduler: lr = base · (1 - t / T)^power for every group.</summary>
public static class PolyLearningRate
{
    public static double Factor(long iteration, long totalIterations, double power = 0.9) =>
        Math.Pow(1 - Math.Clamp((double)iteration / totalIterations, 0, 1), power);

    public static void Apply(SGD optimizer, long iteration, long totalIterations, double power = 0.9)
    {
        var factor = Factor(iteration, totalIterations, power);
        foreach (var group in optimizer.param_groups())
        {
            group.LearningRate = group.InitialLearningRate * factor;
        }
    }
}
