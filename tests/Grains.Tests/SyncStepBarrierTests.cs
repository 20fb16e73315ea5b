using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Grains.ParameterServer;
using U2PL.Segmentation.Training;
using static TorchSharp.torch;

namespace U2PL.Grains.Tests;

/// <summary>
/// A sync shard's <see cref="SyncStepBarrier"/>: step t's M micro-batch pushes are combined in micro-batch order
/// whatever order they arrive in (the same bits as the in-order float32 sum, <see cref="MicroBatchMean"/>), a micro-batch
/// counts once, and a push computed on other weights than version t is never combined — nor, through
/// <see cref="ShardTensors.Apply(CombinedStep)"/>, applied.
/// </summary>
public sealed class SyncStepBarrierTests
{
    private const int MicroBatches = 4;
    private const int Length = 4096;
    private const int Buffers = 64;

    [Fact]
    public void Micro_batches_arriving_in_any_order_combine_to_the_bits_of_the_in_order_float32_mean()
    {
        var random = new Random(5);
        var gradients = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Length)).ToArray();
        var buffers = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Buffers)).ToArray();
        var expectedGradient = InOrderMean(gradients);
        var expectedBuffers = InOrderMean(buffers);
        // The values are spread over six decades, so another summation order rounds differently somewhere: the test can tell.
        Assert.NotEqual(expectedGradient, Mean(gradients, [3, 0, 2, 1]));

        int[][] orders = [[0, 1, 2, 3], [3, 0, 2, 1], [1, 3, 0, 2], [3, 2, 1, 0]];
        foreach (var order in orders)
        {
            using var scope = torch.NewDisposeScope();
            using var barrier = new SyncStepBarrier(MicroBatches);
            barrier.Reset(7);
            GradientPush? last = null;
            for (var i = 0; i < order.Length; i++)
            {
                last = Push(7, order[i], gradients[order[i]], buffers[order[i]]);
                Assert.Equal(i == order.Length - 1 ? SyncOffer.Complete : SyncOffer.Held, barrier.Offer(last));
                Assert.Equal(i + 1, barrier.Received);
            }
            using var step = barrier.Take(last!);
            Assert.Equal(7, step.Iteration);
            Assert.Equal(expectedGradient, step.Gradient.data<float>().ToArray()); // exact: float equality element by element
            Assert.Equal(expectedBuffers, step.BufferDelta.data<float>().ToArray());
            Assert.Equal(8, barrier.Step);
            Assert.Equal(0, barrier.Received);
        }
    }

    [Fact]
    public void A_micro_batch_pushed_twice_is_a_duplicate_and_the_first_push_is_the_one_combined()
    {
        var random = new Random(6);
        var gradients = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Length)).ToArray();
        var buffers = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Buffers)).ToArray();
        using var scope = torch.NewDisposeScope();
        using var barrier = new SyncStepBarrier(MicroBatches);
        barrier.Reset(3);

        Assert.Equal(SyncOffer.Held, barrier.Offer(Push(3, 2, gradients[2], buffers[2]))); // held, waiting for 0 and 1
        Assert.Equal(SyncOffer.Duplicate, barrier.Offer(Push(3, 2, Spread(random, Length), Spread(random, Buffers))));
        Assert.Equal(SyncOffer.Held, barrier.Offer(Push(3, 0, gradients[0], buffers[0]))); // combined at once
        Assert.Equal(SyncOffer.Duplicate, barrier.Offer(Push(3, 0, Spread(random, Length), Spread(random, Buffers))));
        Assert.Equal(SyncOffer.Held, barrier.Offer(Push(3, 3, gradients[3], buffers[3])));
        Assert.Equal(3, barrier.Received);
        var last = Push(3, 1, gradients[1], buffers[1]);
        Assert.Equal(SyncOffer.Complete, barrier.Offer(last));
        using var step = barrier.Take(last);

        Assert.Equal(InOrderMean(gradients), step.Gradient.data<float>().ToArray());
        Assert.Equal(InOrderMean(buffers), step.BufferDelta.data<float>().ToArray());
        // After the step was taken, its micro-batches (a dead worker's lease computed again) are duplicates too.
        Assert.Equal(SyncOffer.Duplicate, barrier.Offer(Push(3, 1, gradients[1], buffers[1])));
        Assert.Equal(0, barrier.Received);
    }

    [Fact]
    public void A_push_for_another_version_is_refused_and_never_combined()
    {
        var random = new Random(7);
        var gradients = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Length)).ToArray();
        var buffers = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Buffers)).ToArray();
        using var scope = torch.NewDisposeScope();
        using var barrier = new SyncStepBarrier(MicroBatches);
        barrier.Reset(5);
        GradientPush Other(long iteration, long baseVersion, int microBatch) =>
            Push(iteration, microBatch, Spread(random, Length), Spread(random, Buffers)) with { BaseVersion = baseVersion };

        Assert.Equal(SyncOffer.Refused, barrier.Offer(Other(6, 6, 0))); // a later step: weights this shard does not have
        Assert.Equal(SyncOffer.Refused, barrier.Offer(Other(9, 9, 1)));
        Assert.Equal(SyncOffer.Refused, barrier.Offer(Other(5, 4, 0))); // this step, computed on older weights
        Assert.Equal(SyncOffer.Refused, barrier.Offer(Other(5, 6, 1))); // this step, computed on newer weights
        Assert.Equal(SyncOffer.Refused, barrier.Offer(Other(4, 3, 2))); // an earlier step computed on stale weights
        Assert.Equal(SyncOffer.Duplicate, barrier.Offer(Other(4, 4, 2))); // an earlier step: already applied
        Assert.Equal(SyncOffer.Duplicate, barrier.Offer(Other(0, 0, 3)));
        Assert.Equal(0, barrier.Received);
        Assert.Equal(5, barrier.Step);

        GradientPush? last = null;
        for (var m = 0; m < MicroBatches; m++)
        {
            last = Push(5, m, gradients[m], buffers[m]);
            Assert.Equal(m == MicroBatches - 1 ? SyncOffer.Complete : SyncOffer.Held, barrier.Offer(last));
            if (m == 1)
            {
                Assert.Equal(SyncOffer.Refused, barrier.Offer(Other(5, 4, 2))); // a stale copy of a missing micro-batch is not held for it
                Assert.Equal(SyncOffer.Refused, barrier.Offer(Other(6, 6, 2)));
            }
        }
        using var step = barrier.Take(last!);
        Assert.Equal(InOrderMean(gradients), step.Gradient.data<float>().ToArray());
        Assert.Equal(InOrderMean(buffers), step.BufferDelta.data<float>().ToArray());
    }

    [Fact]
    public void The_step_skips_only_parameters_no_micro_batch_reached_and_moves_the_counters_by_the_mean()
    {
        int[][] noGradient = [[1, 2, 5], [5, 7, 2], [0, 2, 5, 9], [2, 5]];
        long[][] counters = [[1, 4], [3, 4], [1, 4], [3, 4]];
        using var scope = torch.NewDisposeScope();
        using var barrier = new SyncStepBarrier(MicroBatches);
        barrier.Reset(2);
        GradientPush? last = null;
        foreach (var m in new[] { 1, 3, 0, 2 })
        {
            last = Push(2, m, new float[16], new float[2]) with
            {
                NoGradient = noGradient[m], CounterDelta = counters[m], Semi = true, ResetTeacher = m == 2,
            };
            barrier.Offer(last);
        }
        using var step = barrier.Take(last!);

        Assert.Equal(new[] { 2, 5 }, step.NoGradient.Order());
        Assert.Equal(new long[] { 2, 4 }, step.CounterDelta); // (1 + 3 + 1 + 3) / 4, (4 × 4) / 4
        Assert.True(step.Semi);
        Assert.True(step.ResetTeacher); // the last push's flags
    }

    [Fact]
    public void A_half_precision_push_is_combined_as_its_float32_values()
    {
        var random = new Random(8);
        var gradients = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Length)).ToArray();
        var buffers = Enumerable.Range(0, MicroBatches).Select(_ => Spread(random, Buffers)).ToArray();
        using var scope = torch.NewDisposeScope();
        using var barrier = new SyncStepBarrier(MicroBatches);
        barrier.Reset(0);
        GradientPush? last = null;
        for (var m = 0; m < MicroBatches; m++)
        {
            last = Push(0, m, gradients[m], buffers[m]) with { Gradient = FlatTensors.Pack(gradients[m], half: m % 2 == 0) };
            barrier.Offer(last);
        }
        using var step = barrier.Take(last!);

        var asSent = Enumerable.Range(0, MicroBatches).Select(m => m % 2 == 0 ? FlatTensors.Unpack(FlatTensors.Pack(gradients[m], half: true)) : gradients[m]).ToArray();
        Assert.Equal(InOrderMean(asSent), step.Gradient.data<float>().ToArray());
    }

    [Fact]
    public void An_incomplete_step_cannot_be_taken_and_a_micro_batch_outside_the_step_is_an_error()
    {
        using var scope = torch.NewDisposeScope();
        using var barrier = new SyncStepBarrier(MicroBatches);
        barrier.Reset(1);
        var push = Push(1, 0, new float[8], new float[2]);
        Assert.Equal(SyncOffer.Held, barrier.Offer(push));
        Assert.Throws<InvalidOperationException>(() => barrier.Take(push));
        Assert.Throws<ArgumentException>(() => barrier.Offer(push with { MicroBatch = MicroBatches }));
        Assert.Throws<ArgumentException>(() => barrier.Offer(push with { MicroBatch = -1 }));
        Assert.Equal(1, barrier.Received);
    }

    private const string Config = """
        seed: 3
        dataset: { type: synthetic, synthetic: { train_count: 8, val_count: 2, height: 32, width: 32 }, labeled: 4, batch_size: 2 }
        net: { arch: resnet18, output_stride: 16, ema_decay: 0.99 }
        trainer: { epochs: 4, sup_only_epoch: 1, optimizer: { kwargs: { lr: 0.01 } } }
        """;

    [Fact]
    public void The_sync_shard_never_applies_a_stale_gradient()
    {
        const int microBatches = 2;
        var options = RunModel.Options(Config);
        var schedule = new TrainingSchedule(3, options.Method.Epochs, options.Method.SupervisedOnlyEpochs);
        using var initial = RunModel.InitialStudent(options);
        var layout = ShardLayout.Split(initial, 2)[1];
        using var shard = new ShardTensors(layout, options, schedule, initial);
        using var barrier = new SyncStepBarrier(microBatches);
        barrier.Reset(shard.Version);
        var random = new Random(9);
        GradientPush Gradient(long iteration, long baseVersion, int microBatch) => new()
        {
            WorkerKey = "w", Iteration = iteration, BaseVersion = baseVersion, MicroBatch = microBatch,
            Gradient = FlatTensors.Pack(Spread(random, (int)layout.ParameterLength, decades: 1, scale: 1e-2f), half: false),
            BufferDelta = Spread(random, (int)(2 * layout.BufferLength), decades: 1, scale: 1e-2f),
            CounterDelta = Enumerable.Repeat(1L, (int)(2 * layout.CounterLength)).ToArray(),
        };
        // As ParameterServerGrain.PushMicroBatch: offer; a complete step is taken and applied.
        SyncOffer Offer(GradientPush push)
        {
            var offer = barrier.Offer(push);
            if (offer == SyncOffer.Complete)
            {
                using var scope = torch.NewDisposeScope();
                using var step = barrier.Take(push);
                shard.Apply(step);
            }
            return offer;
        }

        Assert.Equal(SyncOffer.Held, Offer(Gradient(0, 0, 1)));
        Assert.Equal(SyncOffer.Complete, Offer(Gradient(0, 0, 0)));
        Assert.Equal(1, shard.Version);
        var before = Everything(shard);

        // Step 1's micro-batches computed on version 0 (a worker that missed step 0), or on weights from after a restore
        // this shard has not seen, or for a step it has not reached, or step 0 again: none moves a tensor.
        Assert.Equal(SyncOffer.Refused, Offer(Gradient(1, 0, 0)));
        Assert.Equal(SyncOffer.Refused, Offer(Gradient(1, 0, 1)));
        Assert.Equal(SyncOffer.Refused, Offer(Gradient(1, 2, 1)));
        Assert.Equal(SyncOffer.Refused, Offer(Gradient(2, 2, 0)));
        Assert.Equal(SyncOffer.Refused, Offer(Gradient(2, 2, 1)));
        Assert.Equal(SyncOffer.Duplicate, Offer(Gradient(0, 0, 0)));
        Assert.Equal(SyncOffer.Duplicate, Offer(Gradient(0, 0, 1)));
        Assert.Equal(1, shard.Version);
        Assert.Equal(0, barrier.Received);
        Assert.Equal(before, Everything(shard)); // a refused or duplicate push moved no tensor

        // A combined step for another version is refused by the shard itself, before it touches a tensor.
        using (var scope = torch.NewDisposeScope())
        {
            using var ahead = new CombinedStep(2, torch.ones(layout.ParameterLength), torch.ones(2 * layout.BufferLength), [], [], false, false);
            Assert.Throws<InvalidOperationException>(() => shard.Apply(ahead));
            using var behind = new CombinedStep(0, torch.ones(layout.ParameterLength), torch.ones(2 * layout.BufferLength), [], [], false, false);
            Assert.Throws<InvalidOperationException>(() => shard.Apply(behind));
        }
        Assert.Equal(1, shard.Version);
        Assert.Equal(before, Everything(shard));

        // The fresh micro-batches of step 1 are applied, once.
        Assert.Equal(SyncOffer.Held, Offer(Gradient(1, 1, 1)));
        Assert.Equal(SyncOffer.Complete, Offer(Gradient(1, 1, 0)));
        Assert.Equal(2, shard.Version);
        Assert.NotEqual(before, Everything(shard)); // the digest does see a step
    }

    /// <summary>A digest of the bits of every value the shard holds (student, teacher, momentum, buffers, counters).</summary>
    private static string Everything(ShardTensors shard)
    {
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var state = shard.Export();
        foreach (var tensor in state.Tensors)
        {
            digest.AppendData(Encoding.UTF8.GetBytes(tensor.Name));
            if (tensor.Single is { } single) digest.AppendData(single.Bytes);
            if (tensor.Int64 is { } int64) digest.AppendData(MemoryMarshal.AsBytes(int64.AsSpan()));
        }
        return Convert.ToHexString(digest.GetHashAndReset());
    }

    private static GradientPush Push(long step, int microBatch, float[] gradient, float[] buffers) => new()
    {
        WorkerKey = $"w{microBatch}", Iteration = step, BaseVersion = step, MicroBatch = microBatch,
        Gradient = FlatTensors.Pack(gradient, half: false), BufferDelta = buffers,
    };

    /// <summary>Signed values spread over <paramref name="decades"/> powers of ten.</summary>
    private static float[] Spread(Random random, int length, int decades = 6, float scale = 1) =>
        Enumerable.Range(0, length)
            .Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(decades) - decades / 2)) * scale)
            .ToArray();

    /// <summary>((0 + v₀) + v₁ + … + v_{M−1}) × 1/M in float32, by hand.</summary>
    private static float[] InOrderMean(float[][] values) => Mean(values, Enumerable.Range(0, values.Length).ToArray());

    private static float[] Mean(float[][] values, int[] order)
    {
        var scale = (float)(1.0 / values.Length);
        var mean = new float[values[0].Length];
        for (var i = 0; i < mean.Length; i++)
        {
            var sum = 0f;
            foreach (var m in order) sum += values[m][i];
            mean[i] = sum * scale;
        }
        return mean;
    }
}
