using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace U2PL.Segmentation.Tests.Method;

public class U2plStepTests
{
    internal const int Classes = 5;

    /// <summary>A tiny student/teacher/optimizer/banks set-up on random 64×64 images.</summary>
    internal sealed class Setup : IDisposable
    {
        /// <param name="options">the method</param>
        /// <param name="seed">the step's seed</param>
        /// <param name="device">when given, the models and banks are put there as U2plTrainer does (the batches stay on the CPU)</param>
        /// <param name="size">the images' height and width</param>
        public Setup(MethodOptions options, long seed = 3, Device? device = null, int size = 64)
        {
            torch.manual_seed(seed);
            Student = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, Classes, 16));
            Teacher = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, Classes, 16));
            if (device is not null)
            {
                TrainingDevice.Move(Student, device);
                TrainingDevice.Move(Teacher, device);
            }
            Optimizer = Sgd.Create([(Student.parameters(), 0.01)], momentum: 0.9, weightDecay: 1e-4);
            Banks = Enumerable.Range(0, Classes).Select(_ => new ClassMemoryBank(2000, 256, device)).ToArray();
            Schedule = new TrainingSchedule(StepsPerEpoch: 2, options.Epochs, options.SupervisedOnlyEpochs);
            Step = new U2plStep(Student, new EmaTeacher(Student, Teacher, options.EmaDecay), Optimizer, Banks, options, Schedule, seed);
            Labeled = new LabeledBatch(torch.randn([2, 3, size, size]).DetachFromDisposeScope(), torch.randint(0, Classes, [2, size, size]).DetachFromDisposeScope());
            Unlabeled = new UnlabeledBatch(torch.randn([2, 3, size, size]).DetachFromDisposeScope(), torch.ones([2, size, size], ScalarType.Bool).DetachFromDisposeScope());
        }

        public DeepLabV3Plus Student { get; }
        public DeepLabV3Plus Teacher { get; }
        public SGD Optimizer { get; }
        public ClassMemoryBank[] Banks { get; }
        public TrainingSchedule Schedule { get; }
        public U2plStep Step { get; }
        public LabeledBatch Labeled { get; }
        public UnlabeledBatch Unlabeled { get; }

        public void Dispose()
        {
            Student.Dispose();
            Teacher.Dispose();
            Optimizer.Dispose();
            foreach (var bank in Banks) bank.Dispose();
            Labeled.Images.Dispose(); Labeled.Labels.Dispose(); Unlabeled.Images.Dispose(); Unlabeled.Valid.Dispose();
        }
    }

    internal static MethodOptions Options(ContrastiveVariant variant = ContrastiveVariant.Paper) => new()
    {
        Epochs = 3,
        SupervisedOnlyEpochs = 1,
        ContrastiveOptions = new ContrastiveOptions { Variant = variant, NumQueries = 8, NumNegatives = 16, LowRank = 1, HighRank = 4 },
    };

    [Theory]
    [InlineData(ContrastiveVariant.Paper)]
    [InlineData(ContrastiveVariant.Official)]
    public void Warm_up_is_supervised_then_all_three_losses_train_and_the_banks_fill(ContrastiveVariant variant)
    {
        using var setup = new Setup(Options(variant));
        var warmup = setup.Step.Run(setup.Labeled, setup.Unlabeled, 0);
        Assert.True(warmup.SupervisedLoss > 0);
        Assert.Equal(0, warmup.UnsupervisedLoss);
        Assert.All(setup.Banks, bank => Assert.Equal(0, bank.Count));

        var live = LiveTensors.Baseline();
        var semi = Enumerable.Range(2, 3).Select(i => setup.Step.Run(setup.Labeled, setup.Unlabeled, i)).ToList();
        Assert.All(semi, m => Assert.True(double.IsFinite(m.SupervisedLoss) && m.UnsupervisedLoss > 0 && double.IsFinite(m.ContrastiveLoss)));
        Assert.True(semi[^1].Alpha < 0.2, "αt decays with the epoch");
        Assert.True(setup.Banks.Sum(bank => bank.Count) > 0, "unreliable pixels are pushed as negatives");
        Assert.Contains(semi, m => m.ContrastiveLoss > 0);
        // Nothing leaks from a step but what the banks grew.
        Assert.InRange(torch.Tensor.TotalCount - live, 0, Classes);
    }

    [Fact]
    public void Warm_up_runs_the_teacher_in_train_mode_on_the_labeled_batch_so_its_BN_running_statistics_move_and_only_those()
    {
        using var setup = new Setup(Options());
        using var scope = torch.NewDisposeScope();
        var state = setup.Teacher.state_dict();
        var parameters = setup.Teacher.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var mean = state["encoder.bn1.running_mean"];
        var variance = state["encoder.bn1.running_var"];
        var (meanBefore, varianceBefore) = (mean.clone(), variance.clone());
        var tracked = state["encoder.bn1.num_batches_tracked"].ToInt64();
        // The batch statistics of the teacher's first BN input on the labeled images (momentum 0.1, unbiased variance).
        Tensor conv;
        using (torch.no_grad())
        {
            conv = nn.functional.conv2d(setup.Labeled.Images, state["encoder.conv1.weight"], strides: [2, 2], padding: [3, 3]);
        }

        setup.Step.Run(setup.Labeled, setup.Unlabeled, 0);

        Assert.Equal(tracked + 1, state["encoder.bn1.num_batches_tracked"].ToInt64());
        Assert.True(mean.allclose(meanBefore.mul(0.9).add(conv.mean([0, 2, 3]).mul(0.1)), rtol: 1e-4, atol: 1e-5),
            "the warm-up did not move the teacher's running mean by its train-mode forward on the labeled batch");
        Assert.True(variance.allclose(varianceBefore.mul(0.9).add(conv.var([0, 2, 3], unbiased: true).mul(0.1)), rtol: 1e-4, atol: 1e-5));
        Assert.All(setup.Teacher.named_parameters(), p => Assert.True(p.parameter.Equals(parameters[p.name]), $"{p.name} changed in the warm-up"));

        using var supervisedOnly = new Setup(Options() with { SemiSupervised = false });
        var untouched = supervisedOnly.Teacher.state_dict()["encoder.bn1.num_batches_tracked"];
        supervisedOnly.Step.Run(supervisedOnly.Labeled, null, 0);
        Assert.Equal(0, untouched.ToInt64()); // no teacher in a supervised-only run
    }

    [Fact]
    public void Pseudo_labels_come_from_the_teacher_in_eval_mode_and_leave_its_running_statistics_alone()
    {
        using var setup = new Setup(Options());
        using var scope = torch.NewDisposeScope();
        var runningMean = setup.Teacher.state_dict()["decoder.head.1.running_mean"];
        var before = runningMean.clone();
        var (confidence, pseudoLabels) = setup.Step.PseudoLabels(setup.Unlabeled.Images);
        // In train mode the forward would move the running statistics and drop channels at random.
        Assert.True(runningMean.Equals(before), "the pseudo-label forward changed the teacher's BN running statistics");
        var (again, _) = setup.Step.PseudoLabels(setup.Unlabeled.Images);
        Assert.True(confidence.Equals(again), "the pseudo-label forward is not deterministic (dropout active?)");

        setup.Teacher.eval();
        using var noGrad = torch.no_grad();
        var expected = functional.interpolate(setup.Teacher.forward(setup.Unlabeled.Images, representation: false).Prediction, [64, 64],
            mode: InterpolationMode.Bilinear, align_corners: true).softmax(1).max(1);
        Assert.True(pseudoLabels.Equals(expected.indexes));
        Assert.True(confidence.allclose(expected.values));
    }

    [Fact]
    public void Same_seed_same_losses()
    {
        double[] Run()
        {
            using var setup = new Setup(Options(), seed: 11);
            return Enumerable.Range(0, 4).SelectMany(i =>
            {
                var m = setup.Step.Run(setup.Labeled, setup.Unlabeled, i);
                return new[] { m.SupervisedLoss, m.UnsupervisedLoss, m.ContrastiveLoss };
            }).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Contrastive_loss_is_zero_with_a_graph_when_no_class_has_anchors_or_the_banks_are_empty()
    {
        using var scope = torch.NewDisposeScope();
        var loss = new ContrastiveLoss(new ContrastiveOptions { LowRank = 1, HighRank = 3 }, 3);
        var banks = Enumerable.Range(0, 3).Select(_ => new ClassMemoryBank(100, 4)).ToArray();
        var student = torch.randn([2, 4, 3, 3]).requires_grad_();
        var probabilities = torch.rand([2, 3, 3, 3]).softmax(1);
        var labels = torch.full([2, 3, 3], 255, ScalarType.Int64);        // every class absent
        var none = torch.zeros([2, 3, 3], ScalarType.Bool);
        using var result = loss.Compute(new ContrastiveInputs(student, torch.randn([2, 4, 3, 3]), probabilities, labels, 1, none, none), banks, new Generator(0));
        Assert.Equal(0, result.Loss.ToDouble());
        Assert.Equal(0, result.ClassesInLoss);
        result.Loss.backward();
        Assert.NotNull(student.grad);
        foreach (var bank in banks) bank.Dispose();
    }

    [Fact]
    public void With_every_pixel_reliable_nothing_is_unreliable_and_lambda_is_one()
    {
        using var scope = torch.NewDisposeScope();
        var entropy = torch.rand([2, 4, 4]);
        var valid = torch.ones([2, 4, 4], ScalarType.Bool);
        var gamma = EntropyPartition.Threshold(entropy, valid, alphaT: 0);
        Assert.Equal(0, EntropyPartition.Unreliable(entropy, valid, gamma).sum().ToInt64());
        var allReliable = torch.ones([2, 4, 4], ScalarType.Bool);
        Assert.Equal(1.0, AdaptiveUnsupervisedWeight.Lambda(allReliable));
    }

    [Fact]
    public void Rank_settings_are_validated_against_the_class_count()
    {
        var twoClasses = new ContrastiveOptions { LowRank = 3, HighRank = 20 }.Validate(2);
        Assert.Contains(twoClasses, p => p.Contains("low_rank must be 1 with 2 classes"));
        Assert.Empty(new ContrastiveOptions { LowRank = 1, HighRank = 20 }.Validate(2));
        Assert.Contains(new ContrastiveOptions().Warnings(11), w => w.Contains("high_rank 20 exceeds the 11 classes"));
        Assert.Equal(11, new ContrastiveOptions().EffectiveHighRank(11));
    }
}
