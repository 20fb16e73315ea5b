using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>Lc of one step, unweighted (Eq. 1 applies λc), and what it did to the memory banks.</summary>
public sealed record ContrastiveResult(Tensor Loss, long[] PushedPerClass, int ClassesInLoss) : IDisposable
{
    public void Dispose() => Loss.Dispose();
}

/// <summary>
/// Lc (Eq. 4, or A1) over the classes of a batch, following Algorithm 1: for each class, find the anchor candidates
/// (Eq. 9–11) and the negatives (Eq. 13–16), push the negatives' teacher features into Q_c, sample M anchors and,
/// per anchor, N negatives from Q_c, and compare them with the prototype (Eq. 12). The loss is the mean over the
/// classes that have anchors and a non-empty bank. The <see cref="ContrastiveVariant.Official"/> variant reproduces
/// the official code instead (see <see cref="ComputeOfficial"/>). The loss is unweighted: λc is Eq. 1's.
/// </summary>
public sealed class ContrastiveLoss(ContrastiveOptions options, int numClasses)
{
    /// <summary>
    /// Lc's inputs at the representation's resolution (h, w): labels and pseudo-labels, and the anchor and negative masks
    /// of the variant (<see cref="ContrastiveMasks"/>); the batch is the labeled images followed by the unlabeled ones.
    /// </summary>
    /// <param name="student">the student's output on the whole batch (its representation has the gradient)</param>
    /// <param name="teacher">the teacher's output on the same batch</param>
    /// <param name="labels">ground truth of the labeled images, (Bl, H, W), 255 = invalid</param>
    /// <param name="pseudoLabels">the teacher's pseudo-labels of the unlabeled images, (Bu, H, W)</param>
    /// <param name="partition">the step's entropy partition of the unlabeled images (Eq. 5–7)</param>
    public ContrastiveInputs Inputs(Models.SegmentationOutput student, Models.SegmentationOutput teacher, Tensor labels, Tensor pseudoLabels,
        EntropyPartitionResult partition)
    {
        var h = student.Representation!.size(2);
        var w = student.Representation.size(3);
        using var ignored = 255.ToScalar(); // held through the native calls (Sgd.step_with_live_scalars)
        var labeledValid = labels.ne(ignored);
        var (anchorUnlabeled, negativeUnlabeled) = options.Variant == ContrastiveVariant.Paper
            ? ContrastiveMasks.Paper(partition.Entropy, partition.Valid, partition.Reliable, partition.Gamma)
            : ContrastiveMasks.Official(partition.Entropy, partition.Valid, DynamicPartitionAdjustment.Alpha(options.LowEntropyThreshold, partition.Epoch, partition.Epochs));
        var negativeLabeled = options.Variant == ContrastiveVariant.Paper ? torch.zeros_like(labeledValid) : labeledValid;
        var allLabels = torch.cat([labels, pseudoLabels.masked_fill(partition.Valid.logical_not(), ignored)], 0);
        return new ContrastiveInputs(
            student.Representation,
            teacher.Representation!,
            teacher.Prediction.softmax(1),
            NearestResize.To(allLabels, h, w),
            labels.size(0),
            NearestResize.To(torch.cat([labeledValid, anchorUnlabeled], 0), h, w),
            NearestResize.To(torch.cat([negativeLabeled, negativeUnlabeled], 0), h, w));
    }

    /// <summary>Lc (Eq. 4) over <paramref name="inputs"/>, negatives drawn from <paramref name="banks"/> (one per class).</summary>
    /// <param name="inputs">the representations, probabilities, labels and masks of the step</param>
    /// <param name="banks">Q_c for each class c</param>
    /// <param name="generator">the micro-batch's generator: anchors and negatives are drawn from it</param>
    public ContrastiveResult Compute(ContrastiveInputs inputs, IReadOnlyList<IMemoryBank> banks, Generator generator)
    {
        if (banks.Count != numClasses)
        {
            throw new ArgumentException($"need one memory bank per class ({numClasses}), got {banks.Count}", nameof(banks));
        }
        return options.Variant == ContrastiveVariant.Paper ? ComputePaper(inputs, banks, generator) : ComputeOfficial(inputs, banks, generator);
    }

    private ContrastiveResult ComputePaper(ContrastiveInputs inputs, IReadOnlyList<IMemoryBank> banks, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var studentRows = inputs.StudentFeatures.permute(0, 2, 3, 1);
        var teacherRows = inputs.TeacherFeatures.permute(0, 2, 3, 1);
        var ranks = ClassRanks.Of(inputs.TeacherProbabilities);
        var highRank = options.EffectiveHighRank(numClasses);
        var pushed = new long[numClasses];
        var terms = new List<Tensor>();
        for (var c = 0; c < numClasses; c++)
        {
            var classProbability = inputs.TeacherProbabilities.select(1, c);
            var negativeMask = NegativeSelector.Mask(inputs.Labels, ranks.select(1, c), inputs.NegativeMask, inputs.LabeledCount, c, options.LowRank, highRank);
            var negatives = teacherRows.index(negativeMask);
            banks[c].Push(negatives);
            pushed[c] = negatives.size(0);

            var candidates = AnchorSampler.Candidates(inputs.Labels, inputs.AnchorMask, classProbability, c, options.AnchorThreshold);
            var candidateRows = studentRows.index(candidates);
            if (candidateRows.size(0) == 0 || banks[c].Count == 0)
            {
                continue;
            }
            var positive = Prototype.Of(teacherRows, candidates)!;
            terms.Add(Term(AnchorSampler.Sample(candidateRows, options.NumQueries, generator), positive, banks[c], generator));
        }
        return Result(inputs, terms, pushed);
    }

    /// <summary>
    /// The official compute_contra_memobank_loss, quirks kept on purpose: anchors come from pixels labeled c in the
    /// anchor mask (for unlabeled images the official mask is the lowest-αt entropy pixels) with p(c) &gt; δp; the
    /// prototype averages over those pixels before the δp filter; negatives must be labeled (or pseudo-labeled) c and
    /// in the negative mask and have c in the rank band — which leaves labeled negatives empty (they also need label ≠ c)
    /// and makes unlabeled negatives the pseudo-label-c pixels where the teacher ranks c in [rl, rh); anchors and
    /// prototypes are looked up by the position among present classes rather than by class id; the loss is divided by
    /// the number of present classes, and is 0 when fewer than two classes are present.
    /// </summary>
    private ContrastiveResult ComputeOfficial(ContrastiveInputs inputs, IReadOnlyList<IMemoryBank> banks, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var studentRows = inputs.StudentFeatures.permute(0, 2, 3, 1);
        var teacherRows = inputs.TeacherFeatures.permute(0, 2, 3, 1);
        var ranks = ClassRanks.Of(inputs.TeacherProbabilities);
        var highRank = options.EffectiveHighRank(numClasses);
        var pushed = new long[numClasses];
        var anchorRows = new Tensor[numClasses];
        var prototypes = new Tensor?[numClasses];
        var presentClasses = new List<int>();
        using var one = 1.ToScalar(); // held through the native calls (README, "Implicit Scalars")
        for (var c = 0; c < numClasses; c++)
        {
            var classProbability = inputs.TeacherProbabilities.select(1, c);
            using var classScalar = c.ToScalar();
            var isClass = inputs.Labels.eq(classScalar);
            var lowValid = isClass.logical_and(inputs.AnchorMask);
            var highValid = isClass.logical_and(inputs.NegativeMask);
            anchorRows[c] = studentRows.index(AnchorSampler.Candidates(inputs.Labels, inputs.AnchorMask, classProbability, c, options.AnchorThreshold));
            // The official prototype averages over the class's anchor pool before the δp filter.
            prototypes[c] = Prototype.Of(teacherRows, lowValid);

            var bandMask = NegativeSelector.Mask(inputs.Labels, ranks.select(1, c), torch.ones_like(inputs.NegativeMask), inputs.LabeledCount, c, options.LowRank, highRank);
            var negatives = teacherRows.index(classProbability.lt(one).logical_and(highValid).logical_and(bandMask));
            banks[c].Push(negatives);
            pushed[c] = negatives.size(0);
            if (lowValid.sum().item_long() > 0)
            {
                presentClasses.Add(c);
            }
        }

        var terms = new List<Tensor>();
        if (presentClasses.Count > 1)
        {
            for (var i = 0; i < presentClasses.Count; i++)
            {
                var bank = banks[presentClasses[i]];
                if (anchorRows[i].size(0) == 0 || bank.Count == 0 || prototypes[i] is null)
                {
                    continue;
                }
                terms.Add(Term(AnchorSampler.Sample(anchorRows[i], options.NumQueries, generator), prototypes[i]!, bank, generator));
            }
        }
        using var none = 0.ToScalar();
        using var present = presentClasses.Count.ToScalar();
        using var zero = inputs.StudentFeatures.sum().mul(none);
        var loss = terms.Count == 0 ? zero.alias() : torch.stack(terms).sum().div(present);
        return new ContrastiveResult(loss.MoveToOuterDisposeScope(), pushed, terms.Count);
    }

    private Tensor Term(Tensor anchors, Tensor positive, IMemoryBank bank, Generator generator)
    {
        using var sampled = bank.Sample((long)options.NumQueries * options.NumNegatives, generator);
        using var negatives = sampled.view(options.NumQueries, options.NumNegatives, -1);
        return options.Loss == ContrastiveLossKind.InfoNce
            ? InfoNce.Loss(anchors, positive, negatives, options.Temperature)
            : BinaryContrastiveLoss.Loss(anchors, positive, negatives, options.Temperature);
    }

    private ContrastiveResult Result(ContrastiveInputs inputs, List<Tensor> terms, long[] pushed)
    {
        // With no class to compare, a zero that keeps the student's graph intact.
        using var zero = 0.ToScalar(); // held through the native call (README, "Implicit Scalars")
        var loss = terms.Count == 0 ? inputs.StudentFeatures.sum().mul(zero) : torch.stack(terms).mean();
        return new ContrastiveResult(loss.MoveToOuterDisposeScope(), pushed, terms.Count);
    }
}
