using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Tests.TorchOps;

/// <summary>Each op against PyTorch's own result on the same inputs (goldens/make_op_goldens.py).</summary>
public class OpGoldenTests
{
    [Theory]
    [InlineData("conv2d_dilated")]
    [InlineData("conv2d_strided_nobias")]
    public void Conv2d_matches_pytorch(string name)
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case(name);
        var bias = name.Contains("nobias") ? null : g.Tensor("bias");
        var output = functional.conv2d(g.Tensor("input"), g.Tensor("weight"), bias, strides: [g.Int("stride"), g.Int("stride")],
            padding: [g.Int("padding"), g.Int("padding")], dilation: [g.Int("dilation"), g.Int("dilation")]);
        TensorAssert.Close(g.Tensor("output"), output, atol: 1e-4);
    }

    [Fact]
    public void Batch_norm_in_training_mode_normalizes_with_batch_statistics_and_updates_running_statistics()
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case("batch_norm_train");
        var mean = torch.zeros([3]);
        var variance = torch.ones([3]);
        var output = functional.batch_norm(g.Tensor("input"), mean, variance, g.Tensor("weight"), g.Tensor("bias"), training: true);
        TensorAssert.Close(g.Tensor("output"), output, atol: 1e-4);
        TensorAssert.Close(g.Tensor("running_mean"), mean);
        TensorAssert.Close(g.Tensor("running_var"), variance, atol: 1e-4);
    }

    [Fact]
    public void Batch_norm_in_eval_mode_uses_running_statistics()
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case("batch_norm_eval");
        var output = functional.batch_norm(g.Tensor("input"), g.Tensor("mean_in"), g.Tensor("var_in"), g.Tensor("weight"), g.Tensor("bias"));
        TensorAssert.Close(g.Tensor("output"), output, atol: 1e-4);
    }

    [Fact]
    public void Bilinear_interpolation_matches_with_and_without_align_corners()
    {
        using var scope = torch.NewDisposeScope();
        var aligned = Goldens.Case("interpolate_bilinear_align");
        TensorAssert.Close(aligned.Tensor("output"), functional.interpolate(aligned.Tensor("input"), [9, 11], mode: InterpolationMode.Bilinear, align_corners: true));
        var plain = Goldens.Case("interpolate_bilinear");
        TensorAssert.Close(plain.Tensor("output"), functional.interpolate(plain.Tensor("input"), [7, 3], mode: InterpolationMode.Bilinear, align_corners: false));
    }

    [Fact]
    public void Pooling_matches()
    {
        using var scope = torch.NewDisposeScope();
        var avg = Goldens.Case("adaptive_avg_pool2d");
        TensorAssert.Close(avg.Tensor("output"), functional.adaptive_avg_pool2d(avg.Tensor("input"), [1, 1]));
        var max = Goldens.Case("max_pool2d");
        TensorAssert.Close(max.Tensor("output"), functional.max_pool2d(max.Tensor("input"), 3, 2, 1));
    }

    [Fact]
    public void Cross_entropy_ignores_255_per_pixel_and_in_the_mean()
    {
        using var scope = torch.NewDisposeScope();
        var none = Goldens.Case("cross_entropy_ignore_none");
        var perPixel = functional.cross_entropy(none.Tensor("input"), none.Tensor("target"), ignore_index: 255, reduction: Reduction.None);
        TensorAssert.Close(none.Tensor("output"), perPixel);
        using (var ignored = perPixel.select(0, 0).select(0, 0))
        {
            Assert.All(ignored.ToArray<float>(), value => Assert.Equal(0f, value));
        }
        var mean = Goldens.Case("cross_entropy_ignore_mean");
        TensorAssert.Close(mean.Tensor("output"), functional.cross_entropy(mean.Tensor("input"), mean.Tensor("target"), ignore_index: 255));
    }

    [Fact]
    public void Softmax_normalize_and_cosine_similarity_match()
    {
        using var scope = torch.NewDisposeScope();
        var s = Goldens.Case("softmax");
        TensorAssert.Close(s.Tensor("output"), s.Tensor("input").softmax(1));
        TensorAssert.Close(s.Tensor("log_output"), s.Tensor("input").log_softmax(1));
        var n = Goldens.Case("normalize");
        TensorAssert.Close(n.Tensor("output"), functional.normalize(n.Tensor("input"), dim: 1));
        var c = Goldens.Case("cosine_similarity");
        TensorAssert.Close(c.Tensor("output"), functional.cosine_similarity(c.Tensor("a"), c.Tensor("b"), dim: 1));
    }

    [Fact]
    public void Topk_sort_argsort_matmul_and_quantile_match()
    {
        using var scope = torch.NewDisposeScope();
        var k = Goldens.Case("topk");
        var (values, indices) = k.Tensor("input").topk(3, dim: 1);
        TensorAssert.Close(k.Tensor("values"), values);
        Assert.Equal(k.Tensor("indices").ToArray<long>(), indices.ToArray<long>());
        var s = Goldens.Case("sort_desc");
        var (sorted, order) = s.Tensor("input").sort(1, descending: true);
        TensorAssert.Close(s.Tensor("values"), sorted);
        Assert.Equal(s.Tensor("indices").ToArray<long>(), order.ToArray<long>());
        Assert.Equal(s.Tensor("argsort").ToArray<long>(), s.Tensor("input").argsort(1, descending: true).ToArray<long>());
        var m = Goldens.Case("matmul");
        TensorAssert.Close(m.Tensor("output"), m.Tensor("a").matmul(m.Tensor("b")), atol: 1e-4);
        var q = Goldens.Case("quantile");
        TensorAssert.Close(q.Tensor("output"), q.Tensor("input").flatten().quantile(torch.tensor(q.Double("q"), ScalarType.Float32)));
    }

    [Fact]
    public void Sgd_with_momentum_weight_decay_and_two_learning_rates_matches_torch_optim_sgd()
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case("sgd_three_steps");
        var p1 = new TorchSharp.Modules.Parameter(g.Tensor("p1_start").clone()).DetachFromDisposeScope();
        var p2 = new TorchSharp.Modules.Parameter(g.Tensor("p2_start").clone()).DetachFromDisposeScope();
        using var optimizer = Sgd.Create([([p1], 0.1), ([p2], 1.0)], momentum: 0.9, weightDecay: 1e-2);
        for (var step = 0; step < 3; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad(set_to_none: true);
            var loss = p1.pow(2).sum() * 0.5 + p2.pow(3).sum() * 0.1;
            loss.backward();
            optimizer.step_with_live_scalars();
        }
        TensorAssert.Close(g.Tensor("p1"), p1);
        TensorAssert.Close(g.Tensor("p2"), p2);
        p1.Dispose();
        p2.Dispose();
    }
}
