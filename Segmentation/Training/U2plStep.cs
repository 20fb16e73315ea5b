using U2PL.Segmentation.Models;
using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Training;

/// <summary>
/// One training step of U2PL (paper §3, Algorithm 1; the official train_semi loop): a supervised step during the
/// warm-up (with a train-mode teacher forward that only warms the teacher's BN statistics), then eval-mode teacher
/// pseudo-labels on the weak unlabeled images, CutMix, the student on labeled + mixed images, Ls + λu·Lu + λc·Lc, SGD,
/// and the EMA teacher update. Stateless across steps except for the models, the optimizer
/// and the memory banks it is given; every random draw (dropout, CutMix, anchors, bank samples) comes from the
/// <see cref="MicroBatchRandom"/> of (seed, iteration, micro-batch), so whoever computes a micro-batch draws the same.
/// What happens to the loss (SGD here, or a gradient for the parameter server) is the <see cref="IStudentUpdate"/>'s.
/// Everything runs on the student's device; the batches are moved there first.
/// </summary>
public sealed class U2plStep(DeepLabV3Plus student, EmaTeacher teacher, IStudentUpdate update, IReadOnlyList<IMemoryBank> banks,
    MethodOptions options, TrainingSchedule schedule, long seed)
{
    private readonly ContrastiveLoss _contrastive = new(options.ContrastiveOptions, student.Options.NumClasses);

    /// <summary>The single-process step: SGD with poly decay and the EMA teacher (<see cref="LocalSgdUpdate"/>).</summary>
    public U2plStep(DeepLabV3Plus student, EmaTeacher teacher, SGD optimizer, IReadOnlyList<IMemoryBank> banks,
        MethodOptions options, TrainingSchedule schedule, long seed)
        : this(student, teacher, new LocalSgdUpdate(optimizer, teacher, schedule), banks, options, schedule, seed)
    {
    }

    /// <summary>Whether the step at <paramref name="iteration"/> is semi-supervised (else the supervised warm-up).</summary>
    public bool IsSemi(long iteration, bool hasUnlabeled) => options.SemiSupervised && hasUnlabeled && !schedule.IsWarmup(iteration);

    /// <summary>Micro-batch <paramref name="microBatch"/> of the step at <paramref name="iteration"/> (0 when the step is one batch).</summary>
    public StepMetrics Run(LabeledBatch labeled, UnlabeledBatch? unlabeled, long iteration, int microBatch = 0)
    {
        var learningRate = update.Prepare(iteration);
        using var scope = torch.NewDisposeScope();
        using var random = new MicroBatchRandom(seed, iteration, microBatch);
        using var studentDropout = student.Dropout.Use(random.Torch);
        using var teacherDropout = teacher.Teacher.Dropout.Use(random.Torch);
        var device = student.Device;
        var metrics = IsSemi(iteration, unlabeled is not null)
            ? Semi(labeled.to(device), unlabeled!.to(device), iteration, random)
            : Supervised(labeled.to(device), iteration);
        return metrics with { LearningRate = learningRate };
    }

    private StepMetrics Supervised(LabeledBatch labeled, long iteration)
    {
        student.train();
        using var output = student.forward(labeled.Images, representation: false);
        var loss = options.SupervisedLoss.Compute(Upsample(output.Prediction, labeled.Images), labeled.Labels);
        if (options.SemiSupervised)
        {
            WarmUpTeacherStatistics(labeled.Images);
        }
        update.Apply(loss, iteration, semi: false);
        return new StepMetrics(loss.item_double(), 0, 0, 0, 0, 0, false, 0, TimeSpan.Zero);
    }

    private StepMetrics Semi(LabeledBatch labeled, UnlabeledBatch unlabeled, long iteration, MicroBatchRandom random)
    {
        var epoch = schedule.EpochOf(iteration);
        if (schedule.IsFirstSemiEpoch(iteration))
        {
            teacher.ResetToStudent();
        }
        var (confidence, pseudoLabels) = PseudoLabels(unlabeled.Images);

        var images = unlabeled.Images;
        var valid = unlabeled.Valid;
        var cutMix = random.Draws.NextDouble() < options.CutMixProbability;
        if (cutMix)
        {
            (images, pseudoLabels, confidence, valid) = CutMix.Mix(images, pseudoLabels, confidence, valid, ref random.Draws);
        }

        var labeledCount = labeled.Images.size(0);
        var all = torch.cat([labeled.Images, images], 0);
        student.train();
        using var studentOutput = student.forward(all, representation: options.Contrastive);
        var predictionLabeled = Upsample(studentOutput.Prediction.narrow(0, 0, labeledCount), labeled.Images);
        var predictionUnlabeled = Upsample(studentOutput.Prediction.narrow(0, labeledCount, images.size(0)), images);
        var supervised = options.SupervisedLoss.Compute(predictionLabeled, labeled.Labels);

        // The teacher on the same (mixed) batch: its entropy decides reliability, its features feed Lc.
        using var teacherOutput = TeacherForward(all);
        var teacherUnlabeled = teacherOutput.Prediction.narrow(0, labeledCount, images.size(0));
        var entropy = EntropyPartition.Entropy(Upsample(teacherUnlabeled, images).softmax(1));
        var alpha = DynamicPartitionAdjustment.Alpha(options.Alpha0, epoch, options.Epochs);
        var gamma = EntropyPartition.Threshold(entropy, valid, alpha);
        var reliable = EntropyPartition.Reliable(entropy, valid, gamma);
        var lambdaU = AdaptiveUnsupervisedWeight.Lambda(reliable, options.Eta);
        var unsupervised = UnsupervisedLoss.Compute(predictionUnlabeled, pseudoLabels, reliable);

        var bankTimeBefore = BankTime();
        var partition = new EntropyPartitionResult(entropy, valid, reliable, gamma, epoch, options.Epochs);
        ContrastiveResult? contrastive = options.Contrastive
            ? _contrastive.Compute(_contrastive.Inputs(studentOutput, teacherOutput, labeled.Labels, pseudoLabels, partition), banks, random.Torch)
            : null;

        // Scalars held through the native calls: an implicit Scalar can be freed by a finalizer mid-call (README, "Implicit Scalars").
        using var one = 1.ToScalar();
        using var λu = lambdaU.ToScalar();
        using var unsupervisedWeight = options.UnsupervisedWeight.ToScalar();
        using var λc = options.ContrastiveOptions.Weight.ToScalar();
        // λu of Eq. 8 times trainer.unsupervised.loss_weight, in the official code's order; Lc is absent without contrast.
        var weightedUnsupervised = unsupervised.mul(λu).mul(unsupervisedWeight);
        var weightedContrastive = contrastive?.Loss.mul(λc);
        // Eq. 1: L = Ls + λu·Lu + λc·Lc
        var loss = weightedContrastive is null
            ? supervised.add(weightedUnsupervised, alpha: one)
            : supervised.add(weightedUnsupervised, alpha: one).add(weightedContrastive, alpha: one);
        update.Apply(loss, iteration, semi: true);

        using var reliableCount = reliable.sum();
        using var validCount = valid.sum();
        return new StepMetrics(supervised.item_double(), weightedUnsupervised.item_double(), weightedContrastive?.item_double() ?? 0, alpha,
            reliableCount.item_double() / Math.Max(1, validCount.item_double()), 0, cutMix, contrastive?.PushedPerClass.Sum() ?? 0,
            BankTime() - bankTimeBefore, lambdaU, gamma);
    }

    /// <summary>
    /// The supervised warm-up's teacher forward, as the official sup-only branch (<c>model_teacher.train(); _ =
    /// model_teacher(image_l)</c>): the teacher in train mode on the labeled batch, output unused, so that only its
    /// BatchNorm running statistics move. EMA is over parameters only, so without this the first eval-mode pseudo-labels
    /// would be normalised with the statistics at init.
    /// </summary>
    public void WarmUpTeacherStatistics(Tensor labeledImages)
    {
        using var _ = TeacherForward(labeledImages);
    }

    /// <summary>
    /// Eq. 5: per pixel, the teacher's confidence and pseudo-label on the weakly augmented images. The teacher is in eval
    /// mode for this forward, as the official train_semi.py (<c>model_teacher.eval()</c>): BatchNorm on its running
    /// statistics, Dropout2d off, running statistics untouched. Only the second teacher forward, on the mixed batch, is in
    /// train mode (<see cref="TeacherForward"/>).
    /// </summary>
    public (Tensor Confidence, Tensor PseudoLabels) PseudoLabels(Tensor weakImages)
    {
        teacher.Teacher.eval();
        using var _ = torch.no_grad();
        using var weak = teacher.Teacher.forward(weakImages, representation: false);
        return Upsample(weak.Prediction, weakImages).softmax(1).max(1);
    }

    private SegmentationOutput TeacherForward(Tensor images)
    {
        teacher.Teacher.train();
        using var _ = torch.no_grad();
        return teacher.Teacher.forward(images, representation: options.Contrastive);
    }

    private TimeSpan BankTime() => banks.Aggregate(TimeSpan.Zero, (sum, bank) => sum + bank.Elapsed);

    private static Tensor Upsample(Tensor logits, Tensor like) =>
        functional.interpolate(logits, [like.size(2), like.size(3)], mode: InterpolationMode.Bilinear, align_corners: true);
}
