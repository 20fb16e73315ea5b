using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using U2PL.Segmentation.Tests.Method;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Training;

/// <summary>
/// trainer.micro_batches (issue 20): a step as M micro-batches whose randomness is theirs alone, combined in
/// micro-batch order, with the step's negatives enqueued after it — what a sync cluster run computes on its workers.
/// </summary>
public class MicroBatchedStepTests
{
    private static TrainingOptions Options(int microBatches) => new()
    {
        Model = new ModelOptions(ResNetArchitecture.ResNet18, U2plStepTests.Classes, 16),
        Method = U2plStepTests.Options(),
        LearningRate = 0.01,
        DecoderLearningRateMultiplier = 1,
        MicroBatches = microBatches,
        Seed = 3,
    };

    /// <summary>Two warm-up and three semi-supervised steps (Lc on) of a fresh set-up; the student's and teacher's tensors after them.</summary>
    private static float[][] Train(int microBatches, Action<long>? beforeStep = null)
    {
        using var setup = new U2plStepTests.Setup(U2plStepTests.Options(), seed: 3);
        var options = Options(microBatches);
        using var step = new MicroBatchedStep(setup.Student, new EmaTeacher(setup.Student, setup.Teacher, options.Method.EmaDecay),
            setup.Optimizer, setup.Banks, options, setup.Schedule);
        using var labeled = torch.cat([setup.Labeled.Images, setup.Labeled.Images.flip(3)], 0);
        using var labels = torch.cat([setup.Labeled.Labels, setup.Labeled.Labels.flip(2)], 0);
        using var unlabeled = torch.cat([setup.Unlabeled.Images, setup.Unlabeled.Images.flip(3)], 0);
        using var valid = torch.cat([setup.Unlabeled.Valid, setup.Unlabeled.Valid], 0);
        foreach (var iteration in new long[] { 0, 1, 2, 3, 4 })
        {
            beforeStep?.Invoke(iteration);
            step.Run(new LabeledBatch(labeled, labels), new UnlabeledBatch(unlabeled, valid), iteration);
        }
        Assert.True(setup.Banks.Sum(b => b.Count) > 0, "the semi-supervised steps pushed negatives");
        return setup.Student.state_dict().Values.Concat(setup.Teacher.state_dict().Values)
            .Where(t => t.dtype == ScalarType.Float32).Select(t => t.data<float>().ToArray())
            .Concat(setup.Banks.Select(b => { using var rows = b.Snapshot(); return rows.data<float>().ToArray(); }))
            .ToArray();
    }

    [Fact]
    public void A_micro_batched_run_draws_nothing_from_the_process_wide_generator()
    {
        var quiet = Train(microBatches: 2);
        // Another worker of the same process reseeding and drawing from libtorch's default generator between steps.
        var noisy = Train(microBatches: 2, iteration =>
        {
            torch.manual_seed(1000 + iteration);
            using var _ = torch.rand(17);
        });

        Assert.Equal(quiet.Length, noisy.Length);
        for (var i = 0; i < quiet.Length; i++)
        {
            Assert.True(quiet[i].AsSpan().SequenceEqual(noisy[i]), $"tensor {i} differs: the step drew from the process-wide generator");
        }
    }

    [Fact]
    public void The_micro_batch_count_is_part_of_the_result()
    {
        var one = Train(microBatches: 1);
        var two = Train(microBatches: 2);
        Assert.Contains(Enumerable.Range(0, one.Length), i => !one[i].AsSpan().SequenceEqual(two[i]));
    }

    [Fact]
    public void A_step_samples_the_bank_as_it_stood_before_the_step_and_enqueues_its_negatives_after_it_in_micro_batch_order()
    {
        using var bank = new ClassMemoryBank(100, 2);
        using var step = new StepMemoryBank(bank);
        using var before = torch.tensor(new float[] { 1, 1 }).view(1, 2);
        bank.Push(before);
        using var generator = new Generator(5);

        step.Begin(1);
        using var second = torch.tensor(new float[] { 3, 3 }).view(1, 2);
        step.Push(second);
        step.Begin(0);
        using var first = torch.tensor(new float[] { 2, 2, 2, 2 }).view(2, 2);
        step.Push(first);
        using var sampled = step.Sample(8, generator);
        Assert.All(sampled.data<float>().ToArray(), v => Assert.Equal(1f, v)); // only the rows of before the step
        Assert.Equal(1, step.Count);

        step.Commit();
        using var rows = bank.Snapshot();
        Assert.Equal(new float[] { 1, 1, 2, 2, 2, 2, 3, 3 }, rows.data<float>().ToArray());
    }

    [Fact]
    public void Dropout_masks_drawn_while_another_thread_forces_collections_and_finalizers_are_the_quiet_ones()
    {
        using var scope = torch.NewDisposeScope();
        var randomness = new DropoutRandomness();
        using var dropout = new Dropout2d(0.1, randomness);
        dropout.train();
        using var input = torch.ones([4, 64, 2, 2]);
        float[] Draw(int i)
        {
            using var generator = new Generator((ulong)i);
            using var _ = randomness.Use(generator);
            using var output = dropout.forward(input);
            return output.data<float>().ToArray();
        }
        var quiet = Enumerable.Range(0, 300).Select(Draw).ToList();
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        List<float[]> stressed;
        try
        {
            stressed = Enumerable.Range(0, 300).Select(Draw).ToList();
        }
        finally
        {
            stop.Cancel();
            collector.Wait();
        }
        for (var i = 0; i < quiet.Count; i++)
        {
            Assert.True(quiet[i].AsSpan().SequenceEqual(stressed[i]), $"draw {i} differs under forced collections");
        }
        Assert.Contains(quiet[0], v => v == 0); // some channels dropped
    }

    [Theory]
    [InlineData("trainer: { micro_batches: 0 }", "trainer.micro_batches must be at least 1")]
    [InlineData("dataset: { batch_size: 4 }\ntrainer: { micro_batches: 3 }", "must split into 3 micro-batches")]
    [InlineData("dataset: { batch_size: 4 }\ntrainer: { micro_batches: 4 }", "of at least 2 images")]
    [InlineData("cluster: { mode: lockstep }", "cluster.mode")]
    [InlineData("cluster: { wire: fp8 }", "cluster.wire")]
    [InlineData("cluster: { wire: bf16, half_precision_wire: true }", "cluster.half_precision_wire: true is cluster.wire: fp16")]
    public void A_config_that_cannot_be_micro_batched_or_synced_is_refused_naming_the_key(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => TrainingConfigReader.Read(ConfigTree.Parse(yaml, "test.yaml"), yaml));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Sync_is_the_default_mode_and_async_with_a_half_precision_wire_is_accepted()
    {
        const string yaml = "dataset: { batch_size: 8 }\ntrainer: { micro_batches: 4 }\ncluster: { mode: async, half_precision_wire: true }";
        Assert.Equal(ClusterMode.Sync, TrainingConfigReader.Read(ConfigTree.Parse("{}", "test.yaml"), "{}").Cluster.Mode);
        var options = TrainingConfigReader.Read(ConfigTree.Parse(yaml, "test.yaml"), yaml);
        Assert.Equal((ClusterMode.Async, 4, WirePrecision.Fp16), (options.Cluster.Mode, options.MicroBatches, options.Cluster.Wire));
    }

    [Theory]
    [InlineData("cluster: { wire: fp16 }", WirePrecision.Fp16)]
    [InlineData("cluster: { wire: bf16 }", WirePrecision.Bf16)]
    [InlineData("cluster: { half_precision_wire: true }", WirePrecision.Fp16)]
    [InlineData("{}", WirePrecision.Fp32)]
    public void A_sync_run_accepts_a_16_bit_wire(string yaml, WirePrecision expected) =>
        Assert.Equal(expected, TrainingConfigReader.Read(ConfigTree.Parse(yaml, "test.yaml"), yaml).Cluster.Wire);
}
