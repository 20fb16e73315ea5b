using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Method;

/// <summary>
/// The method's units on tiny tensors, many rounds, while another thread forces collections and finalizers: every
/// Scalar they pass (thresholds, class ids, 255, alpha) must live through its native call, or a round throws or
/// computes with a wrong number. Tiny, so that the calls that pass Scalars take most of the time.
/// </summary>
public sealed class LossesUnderCollectionsTests
{
    private const int Rounds = 300;
    private const int Classes = 4;

    [Theory]
    [InlineData(ContrastiveVariant.Paper)]
    [InlineData(ContrastiveVariant.Official)]
    public void Rounds_computed_while_another_thread_forces_collections_give_the_quiet_machines_numbers(ContrastiveVariant variant)
    {
        var quiet = Compute(variant);
        var stressed = CollectionPressure.During(() => Compute(variant));
        Assert.Equal(quiet, stressed);
    }

    /// <summary>Per round: γt, λu, Lu, OHEM Ls, Lc, the negatives pushed and the confusion counts, as one list of numbers.</summary>
    private static List<double> Compute(ContrastiveVariant variant)
    {
        var numbers = new List<double>();
        var generator = new Generator(21);
        var options = new ContrastiveOptions { Variant = variant, NumQueries = 4, NumNegatives = 8, LowRank = 1, HighRank = 3, AnchorThreshold = 0.2 };
        var contrastive = new ContrastiveLoss(options, Classes);
        var banks = Enumerable.Range(0, Classes).Select(_ => new ClassMemoryBank(64, 3)).ToArray();
        var confusion = new ConfusionMatrix(Classes);
        // The test's own Scalars, held (they are not what is under test).
        using var absent = Classes.ToScalar();
        using var ignored = 255.ToScalar();
        using var share = 0.2.ToScalar();
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                using var scope = torch.NewDisposeScope();
                var logits = torch.randn([2, Classes, 4, 4], generator: generator).requires_grad_();
                var labels = torch.randint(0, Classes + 1, [2, 4, 4], generator: generator);
                labels = labels.masked_fill(labels.eq(absent), ignored);
                var probabilities = logits.detach().softmax(1);
                var valid = torch.rand([2, 4, 4], generator: generator).gt(share);

                var entropy = EntropyPartition.Entropy(probabilities);
                var gamma = EntropyPartition.Threshold(entropy, valid, alphaT: 0.3);
                var reliable = EntropyPartition.Reliable(entropy, valid, gamma);
                var unreliable = EntropyPartition.Unreliable(entropy, valid, gamma);
                var pseudoLabels = probabilities.argmax(1);
                numbers.Add(gamma);
                numbers.Add(AdaptiveUnsupervisedWeight.Lambda(reliable));
                numbers.Add(UnsupervisedLoss.Compute(logits, pseudoLabels, reliable).item_double());
                numbers.Add(new SupervisedLoss(Ohem: true, OhemMinKept: 8).Compute(logits, labels).item_double());

                var allLabels = torch.cat([labels.narrow(0, 0, 1), pseudoLabels.narrow(0, 1, 1)], 0);
                var anchors = torch.cat([labels.narrow(0, 0, 1).ne(ignored), reliable.narrow(0, 1, 1)], 0);
                var inputs = new ContrastiveInputs(torch.randn([2, 3, 4, 4], generator: generator).requires_grad_(), torch.randn([2, 3, 4, 4], generator: generator),
                    probabilities, allLabels, 1, anchors, unreliable);
                using var result = contrastive.Compute(inputs, banks, generator);
                numbers.Add(result.Loss.item_double());
                numbers.AddRange(result.PushedPerClass.Select(n => (double)n));

                confusion.Add(pseudoLabels[0], labels[0]);
            }
            numbers.AddRange(confusion.IoU());
            return numbers;
        }
        finally
        {
            foreach (var bank in banks) bank.Dispose();
        }
    }
}
