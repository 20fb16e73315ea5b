using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Synthetic;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;

namespace U2PL.Segmentation.Tests.Data;

/// <summary>Runs alone: it counts live native tensors, which other tests would change.</summary>
[CollectionDefinition(nameof(TensorCountingCollection), DisableParallelization = true)]
public sealed class TensorCountingCollection;

[Collection(nameof(TensorCountingCollection))]
public class BatchLoaderTests
{
    private static readonly SyntheticStreetDataset Scenes = new(new SyntheticStreetOptions { Seed = 2, Count = 37, Height = 48, Width = 64 });
    private static readonly SegmentationTransform Train = SegmentationTransform.Train(AugmentationOptions.WithCrop(32));

    [Fact]
    public void Yields_every_index_exactly_once_per_epoch_in_order_and_leaks_no_tensors()
    {
        var before = LiveTensors.Baseline();
        var order = EpochOrder.Shuffle(Scenes.Count, seed: 9, epoch: 1);
        var seen = new List<int>();
        using (var loader = new BatchLoader(Scenes, Train, order, new BatchLoaderOptions { BatchSize = 8 }, new SampleKey(9, 0, 1, 0)))
        {
            Assert.Equal(5, loader.BatchCount);
            foreach (var batch in loader.ReadAll())
            {
                using (batch)
                {
                    Assert.Equal([batch.Count, 3L, 32L, 32L], batch.Images.shape);
                    Assert.Equal([batch.Count, 32L, 32L], batch.Labels!.shape);
                    seen.AddRange(batch.Indices);
                }
            }
            Assert.True(loader.ConsumerWait >= TimeSpan.Zero);
            Assert.Equal(5, loader.Delivered);
        }
        Assert.Equal(order, seen);
        Assert.Equal(before, torch.Tensor.TotalCount);
    }

    [Fact]
    public void Batches_are_reproducible_whatever_the_thread_count()
    {
        var order = EpochOrder.Shuffle(Scenes.Count, seed: 1, epoch: 0)[..12];
        float[] Run(int workers, int prefetch)
        {
            using var loader = new BatchLoader(Scenes, Train, order, new BatchLoaderOptions { BatchSize = 4, Workers = workers, PrefetchBatches = prefetch }, new SampleKey(1, 0, 0, 0));
            return loader.ReadAll().SelectMany(b => { using (b) { return b.Images.AsSpan<float>().ToArray(); } }).ToArray();
        }
        Assert.Equal(Run(1, 1), Run(2, 3));
    }

    [Fact]
    public void Disposing_mid_epoch_stops_the_producer_and_frees_undelivered_batches()
    {
        var before = LiveTensors.Baseline();
        var loader = new BatchLoader(Scenes, Train, Enumerable.Range(0, Scenes.Count).ToArray(), new BatchLoaderOptions { BatchSize = 4, PrefetchBatches = 2 }, default);
        using (var first = loader.Next())
        {
            Assert.NotNull(first);
        }
        Thread.Sleep(50);
        loader.Dispose();
        Assert.Equal(before, torch.Tensor.TotalCount);
        Assert.Throws<ObjectDisposedException>(() => loader.Next());
    }

    [Fact]
    public void Cancellation_reaches_the_consumer()
    {
        using var cts = new CancellationTokenSource();
        using var loader = new BatchLoader(Scenes, Train, Enumerable.Range(0, Scenes.Count).ToArray(), new BatchLoaderOptions { BatchSize = 2 }, default, cancellationToken: cts.Token);
        cts.Cancel();
        var drained = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            while (loader.Next(cts.Token) is { } batch)
            {
                batch.Dispose();
                drained++;
            }
        });
    }

    [Fact]
    public void Bad_samples_fail_by_default_and_are_skipped_and_counted_in_skip_mode()
    {
        using var f = new DataFixtures();
        f.WriteText("classes.txt", "a", "b");
        for (var i = 0; i < 6; i++)
        {
            f.WriteImage($"images/s{i}.png", 20, 20, seed: i);
            f.WriteMask($"masks/s{i}.png", 20, 20, (y, x) => (byte)((x + y) % 2));
        }
        f.WriteBytes("images/s2.png", [1, 2, 3, 4]);
        f.WriteMask("masks/s4.png", 20, 20, (_, _) => 9);
        var dataset = FolderDataset.Open(f.Root);
        var order = Enumerable.Range(0, 6).ToArray();
        var transform = SegmentationTransform.Eval(new AugmentationOptions());

        using (var failing = new BatchLoader(dataset, transform, order, new BatchLoaderOptions { BatchSize = 3 }, default))
        {
            var error = Assert.Throws<BadSampleException>(() => failing.ReadAll().ToList().ForEach(b => b.Dispose()));
            Assert.Contains("s2.png", error.Message);
        }

        var statistics = new BadSampleStatistics();
        var before = LiveTensors.Baseline();
        using (var skipping = new BatchLoader(dataset, transform, order, new BatchLoaderOptions { BatchSize = 3, OnBadSample = BadSamplePolicy.Skip }, default, statistics))
        {
            var indices = new List<int>();
            foreach (var batch in skipping.ReadAll())
            {
                using (batch)
                {
                    Assert.Equal(3, batch.Count);
                    indices.AddRange(batch.Indices);
                }
            }
            Assert.Equal([0, 1, 3, 3, 5, 5], indices);
        }
        Assert.Equal(before, torch.Tensor.TotalCount);
        Assert.Equal(2, statistics.Count);
        Assert.Equal(1, statistics.CountByReason[BadSampleReason.CorruptImage]);
        Assert.Equal(1, statistics.CountByReason[BadSampleReason.InvalidMaskValue]);
        Assert.Contains("value 9", statistics.Samples.Single(s => s.Index == 4).Message);
        Assert.Contains("2 bad samples", statistics.ToString());
    }
}
