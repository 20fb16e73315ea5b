using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Method;

/// <summary>
/// The model's forwards, the three losses, the banks and the update of <see cref="U2plStep"/> while another thread
/// forces collections and finalizers without pause: a Scalar that nothing holds through its native call (README,
/// "Implicit Scalars") is freed by its finalizer while libtorch reads it, and the step throws ("Unknown scalar type",
/// "Expected false to be true ... toDouble") or computes with a wrong number.
/// </summary>
public sealed class U2plStepUnderCollectionsTests
{
    private const int Steps = 6;

    [Fact]
    public void Steps_taken_while_another_thread_forces_collections_and_finalizers_give_the_quiet_machines_losses_and_weights()
    {
        var (quietMetrics, quietWeights) = Train();
        var (stressedMetrics, stressedWeights) = CollectionPressure.During(Train);

        for (var i = 0; i < Steps; i++)
        {
            Assert.Equal(Comparable(quietMetrics[i]), Comparable(stressedMetrics[i]));
        }
        Assert.Equal(quietWeights.Keys, stressedWeights.Keys);
        foreach (var (name, weight) in quietWeights)
        {
            Assert.True(weight.SequenceEqual(stressedWeights[name]), $"{name} differs");
        }
    }

    /// <summary>
    /// A warm-up step, then semi-supervised steps with CutMix and the contrastive loss, on 32×32 images: small, so that
    /// the calls that pass Scalars take much of the time; the metrics and the student's weights.
    /// </summary>
    private static (StepMetrics[] Metrics, Dictionary<string, float[]> Weights) Train()
    {
        using var setup = new U2plStepTests.Setup(U2plStepTests.Options(), seed: 7, size: 32);
        var metrics = new StepMetrics[Steps];
        for (var i = 0; i < Steps; i++)
        {
            metrics[i] = setup.Step.Run(setup.Labeled, setup.Unlabeled, i == 0 ? 0 : i + 1);
        }
        using var scope = torch.NewDisposeScope();
        var weights = setup.Student.state_dict()
            .Where(entry => entry.Value.dtype == ScalarType.Float32)
            .ToDictionary(entry => entry.Key, entry => entry.Value.cpu().data<float>().ToArray());
        return (metrics, weights);
    }

    /// <summary>What the step computed (the bank's timing left out).</summary>
    private static StepMetrics Comparable(StepMetrics metrics) => metrics with { MemoryBankTime = TimeSpan.Zero };
}
