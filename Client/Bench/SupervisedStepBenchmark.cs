using U2PL.Segmentation;
using U2PL.Segmentation.Method;
using System.Diagnostics;
using U2PL.Client.Cli;
using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace U2PL.Client.Bench;

/// <summary>What one benchmark run measured.</summary>
public sealed record StepBenchmarkResult(
    IReadOnlyList<double> StepMilliseconds,
    long TotalParameters,
    double PeakResidentMb,
    double ResidentAfterWarmupMb,
    double ResidentEndMb,
    double ResidentGrowthMbPer100Steps,
    long LiveTensorsAfterWarmup,
    long LiveTensorsEnd,
    double FinalLoss);

/// <summary>
/// The supervised training step, timed: forward in train mode, bilinear upsampling of the prediction to the input
/// size (align_corners), cross-entropy ignoring 255, backward, SGD (lr 1e-3, momentum 0.9, weight decay 1e-4).
/// bench/torch_step.py is the same step in PyTorch; inputs are random with 10% of the pixels ignored.
/// </summary>
public sealed class SupervisedStepBenchmark(ModelOptions options, int batch, int size)
{
    public StepBenchmarkResult Run(int steps, int warmup, Action<int, double>? progress = null)
    {
        using var model = new DeepLabV3Plus(options);
        model.train();
        using var optimizer = Sgd.Create([(model.parameters(), 1e-3)], momentum: 0.9, weightDecay: 1e-4);
        using var images = torch.randn([batch, 3, size, size]);
        using var labels = RandomLabels();

        var times = new List<double>(steps);
        var resident = new List<double>(steps);
        double residentAfterWarmup = 0;
        long liveAfterWarmup = 0;
        double loss = double.NaN;
        var clock = new Stopwatch();
        for (var step = 0; step < warmup + steps; step++)
        {
            clock.Restart();
            loss = Step(model, optimizer, images, labels);
            NativeHeap.Trim();
            clock.Stop();
            if (step == warmup - 1 || (warmup == 0 && step == 0))
            {
                residentAfterWarmup = ProcessMemory.ResidentMb();
                liveAfterWarmup = torch.Tensor.TotalCount;
            }
            if (step >= warmup)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
                resident.Add(ProcessMemory.ResidentMb());
                progress?.Invoke(step - warmup + 1, clock.Elapsed.TotalMilliseconds);
            }
        }
        return new StepBenchmarkResult(times, model.parameters().Sum(p => p.numel()), ProcessMemory.PeakResidentMb(), residentAfterWarmup,
            ProcessMemory.ResidentMb(), GrowthPer100Steps(resident), liveAfterWarmup, torch.Tensor.TotalCount, loss);
    }

    private static double Step(DeepLabV3Plus model, TorchSharp.Modules.SGD optimizer, Tensor images, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        using var output = model.forward(images, representation: false);
        var logits = functional.interpolate(output.Prediction, [images.size(2), images.size(3)], mode: InterpolationMode.Bilinear, align_corners: true);
        var loss = functional.cross_entropy(logits, labels, ignore_index: 255);
        optimizer.zero_grad(set_to_none: true);
        loss.backward();
        optimizer.step_with_live_scalars();
        return loss.item_double();
    }

    private Tensor RandomLabels()
    {
        using var scope = torch.NewDisposeScope();
        using var share = 0.1.ToScalar(); // held through the native calls (README, "Implicit Scalars")
        using var ignoreIndex = 255.ToScalar();
        var classes = torch.randint(0, options.NumClasses, [batch, size, size]);
        var ignored = torch.rand([batch, size, size]).lt(share);
        return classes.masked_fill(ignored, ignoreIndex).MoveToOuterDisposeScope();
    }

    /// <summary>Least-squares slope of resident memory over the second half of the steps, per 100 steps.</summary>
    private static double GrowthPer100Steps(IReadOnlyList<double> resident)
    {
        var half = resident.Skip(resident.Count / 2).ToArray();
        if (half.Length < 2)
        {
            return 0;
        }
        var meanX = (half.Length - 1) / 2.0;
        var meanY = half.Average();
        double numerator = 0, denominator = 0;
        for (var i = 0; i < half.Length; i++)
        {
            numerator += (i - meanX) * (half[i] - meanY);
            denominator += (i - meanX) * (i - meanX);
        }
        return numerator / denominator * 100;
    }
}
