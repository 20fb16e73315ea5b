using U2PL.Segmentation.Models;
using U2PL.Segmentation.Tests.Method;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Models;

/// <summary><see cref="BatchNorm2d"/>: TorchSharp's nn.BatchNorm2d to the bit, its counter kept through forced collections.</summary>
public sealed class BatchNorm2dTests
{
    [Fact]
    public void It_gives_TorchSharps_outputs_running_statistics_and_counter_in_train_and_eval_mode()
    {
        using var scope = torch.NewDisposeScope();
        using var ours = new BatchNorm2d(3);
        using var theirs = nn.BatchNorm2d(3);
        Assert.Equal(theirs.state_dict().Keys, ours.state_dict().Keys);
        var generator = new Generator(4);
        for (var step = 0; step < 3; step++)
        {
            var input = torch.randn([2, 3, 5, 4], generator: generator);
            Assert.True(ours.forward(input).Equals(theirs.forward(input)), $"train-mode output of step {step}");
        }
        foreach (var (name, buffer) in theirs.state_dict())
        {
            Assert.True(ours.state_dict()[name].Equals(buffer), name);
        }
        Assert.Equal(3, ours.num_batches_tracked!.item_long());
        ours.eval();
        theirs.eval();
        var evaluated = torch.randn([1, 3, 5, 4], generator: generator);
        Assert.True(ours.forward(evaluated).Equals(theirs.forward(evaluated)), "eval-mode output");
        Assert.Equal(3, ours.num_batches_tracked.item_long());
    }

    [Fact]
    public void Training_forwards_while_another_thread_forces_collections_count_every_batch_and_give_the_quiet_statistics()
    {
        // TorchSharp's BatchNorm counts with add_(1), a Scalar nothing holds through the native call: under this
        // pressure it fails within a few thousand forwards ("For integral input tensors, argument alpha must not be a
        // floating point number", "Unknown scalar type").
        const int forwards = 20_000;
        using var scope = torch.NewDisposeScope();
        var input = torch.randn([2, 2, 2, 2], generator: new Generator(9));
        using var quiet = new BatchNorm2d(2);
        using var stressed = new BatchNorm2d(2);
        Forward(quiet, input, forwards);
        CollectionPressure.During(() => Forward(stressed, input, forwards));
        Assert.Equal(forwards, stressed.num_batches_tracked!.item_long());
        Assert.True(stressed.running_mean!.Equals(quiet.running_mean!) && stressed.running_var!.Equals(quiet.running_var!));
    }

    private static int Forward(BatchNorm2d norm, Tensor input, int count)
    {
        using var noGrad = torch.no_grad();
        for (var i = 0; i < count; i++)
        {
            using var output = norm.forward(input);
        }
        return count;
    }
}
