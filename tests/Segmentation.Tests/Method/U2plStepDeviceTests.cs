using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Method;

/// <summary>The step on an explicit <c>trainer.device</c> (CPU here; no GPU on the test machines).</summary>
public sealed class U2plStepDeviceTests : IDisposable
{
    // U2plStepTests counts live tensors around its steps: leave no tensor for the finalizer to free during its count.
    public void Dispose()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Fact]
    public void The_step_runs_on_an_explicit_cpu_device_with_the_losses_of_the_default()
    {
        double[] Run(Device? device)
        {
            using var setup = new U2plStepTests.Setup(U2plStepTests.Options(), seed: 11, device);
            var losses = Enumerable.Range(0, 4).SelectMany(i =>
            {
                var m = setup.Step.Run(setup.Labeled, setup.Unlabeled, i);
                return new[] { m.SupervisedLoss, m.UnsupervisedLoss, m.ContrastiveLoss };
            }).ToArray();
            var filled = setup.Banks.First(bank => bank.Count > 0);
            using var generator = new Generator(0);
            using var sample = filled.Sample(3, generator);
            Assert.Equal(DeviceType.CPU, sample.device_type);
            Assert.Equal(DeviceType.CPU, setup.Student.Device.type);
            return losses;
        }
        var explicitCpu = Run(TrainingDevice.Resolve("cpu"));
        Assert.Contains(explicitCpu, loss => loss > 0);
        Assert.Equal(Run(null), explicitCpu);
    }
}
