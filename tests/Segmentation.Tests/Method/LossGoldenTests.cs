using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;

namespace U2PL.Segmentation.Tests.Method;

/// <summary>Each loss component against goldens/u2pl.json (goldens/make_u2pl_goldens.py, written from the paper's equations).</summary>
public class LossGoldenTests
{
    private const string File = "u2pl.json";

    [Fact]
    public void Entropy_percentile_threshold_partition_and_adaptive_weight_match_eq_5_to_8()
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case("partition", File);
        var entropy = EntropyPartition.Entropy(g.Tensor("probabilities"));
        TensorAssert.Close(g.Tensor("entropy"), entropy, rtol: 1e-5, atol: 1e-6);
        var gamma = EntropyPartition.Threshold(entropy, g.Tensor("valid"), g.Double("alpha_t"));
        Assert.Equal(g.Double("gamma"), gamma, 1e-5);
        var reliable = EntropyPartition.Reliable(entropy, g.Tensor("valid"), gamma);
        Assert.Equal(g.Tensor("reliable").ToArray<bool>(), reliable.ToArray<bool>());
        Assert.Equal(g.Tensor("unreliable").ToArray<bool>(), EntropyPartition.Unreliable(entropy, g.Tensor("valid"), gamma).ToArray<bool>());
        Assert.Equal(g.Double("lambda"), AdaptiveUnsupervisedWeight.Lambda(reliable), 1e-9);
        // The golden is Eq. 1's term λu·Lu; the loss itself is unweighted.
        using var lambda = AdaptiveUnsupervisedWeight.Lambda(reliable).ToScalar();
        var lu = UnsupervisedLoss.Compute(g.Tensor("student_logits"), g.Tensor("pseudo_labels"), reliable).mul(lambda);
        Assert.Equal(g.Double("unsupervised_loss"), lu.ToDouble(), g.Double("unsupervised_loss") * 1e-5);
    }

    [Fact]
    public void Ranks_anchor_candidates_negatives_and_prototypes_match_eq_9_to_16()
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case("selection", File);
        var probabilities = g.Tensor("probabilities");
        var labels = g.Tensor("labels");
        var ranks = ClassRanks.Of(probabilities);
        Assert.Equal(g.Tensor("ranks").ToArray<long>(), ranks.ToArray<long>());
        var teacherRows = g.Tensor("teacher").permute(0, 2, 3, 1);
        for (var c = 0; c < 5; c++)
        {
            var expected = g.Item("classes", c);
            var candidates = AnchorSampler.Candidates(labels, g.Tensor("anchor_mask"), probabilities.select(1, c), c, g.Double("threshold"));
            Assert.Equal(expected.Tensor("candidates").ToArray<bool>(), candidates.ToArray<bool>());
            var negatives = NegativeSelector.Mask(labels, ranks.select(1, c), g.Tensor("negative_mask"), g.Int("labeled_count"), c,
                (int)g.Int("low_rank"), (int)g.Int("high_rank"));
            Assert.Equal(expected.Tensor("negatives").ToArray<bool>(), negatives.ToArray<bool>());
            var prototype = Prototype.Of(teacherRows, candidates);
            Assert.Equal(expected.Bool("has_prototype"), prototype is not null);
            if (prototype is not null)
            {
                TensorAssert.Close(expected.Tensor("prototype"), prototype, rtol: 1e-5, atol: 1e-6);
            }
        }
    }

    [Fact]
    public void InfoNce_and_the_binary_alternative_match_eq_4_and_a1()
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case("infonce", File);
        var loss = InfoNce.Loss(g.Tensor("anchors"), g.Tensor("positive"), g.Tensor("negatives"), g.Double("temperature"));
        Assert.Equal(g.Double("loss"), loss.ToDouble(), g.Double("loss") * 1e-5);
        var binary = BinaryContrastiveLoss.Loss(g.Tensor("anchors"), g.Tensor("positive"), g.Tensor("negatives"), g.Double("temperature"));
        Assert.Equal(g.Double("binary_loss"), binary.ToDouble(), g.Double("binary_loss") * 1e-5);
    }

    [Fact]
    public void Ohem_keeps_the_hard_pixels_as_the_official_loss()
    {
        using var scope = torch.NewDisposeScope();
        var g = Goldens.Case("ohem", File);
        var loss = new SupervisedLoss(Ohem: true, OhemThreshold: g.Double("threshold"), OhemMinKept: g.Int("min_kept"))
            .Compute(g.Tensor("logits"), g.Tensor("labels"));
        Assert.Equal(g.Double("loss"), loss.ToDouble(), g.Double("loss") * 1e-5);
    }

    [Fact]
    public void Dynamic_partition_adjustment_decays_linearly_to_zero()
    {
        Assert.Equal(0.2, DynamicPartitionAdjustment.Alpha(0.2, 0, 10), 12);
        Assert.Equal(0.14, DynamicPartitionAdjustment.Alpha(0.2, 3, 10), 12);
        Assert.Equal(0.0, DynamicPartitionAdjustment.Alpha(0.2, 10, 10), 12);
    }
}
