using System.Diagnostics;
using U2PL.Segmentation.Tests.Data;
using U2PL.Segmentation.Training;
using U2PL.Synthetic;

namespace U2PL.Segmentation.Tests.Synthetic;

[Collection(nameof(TensorCountingCollection))]
public class SyntheticStreetDatasetTests
{
    [Fact]
    public void Same_seed_and_index_give_identical_bytes_other_index_or_seed_differs()
    {
        var a = new SyntheticStreetDataset(new SyntheticStreetOptions { Seed = 4, Count = 10 });
        var b = new SyntheticStreetDataset(new SyntheticStreetOptions { Seed = 4, Count = 10 });
        var other = new SyntheticStreetDataset(new SyntheticStreetOptions { Seed = 5, Count = 10 });
        using var s1 = a.Load(3);
        using var s2 = b.Load(3);
        using var s3 = a.Load(4);
        using var s4 = other.Load(3);
        Assert.True(s1.Image.AsSpan<byte>().SequenceEqual(s2.Image.AsSpan<byte>()));
        Assert.True(s1.Mask!.AsSpan<byte>().SequenceEqual(s2.Mask!.AsSpan<byte>()));
        Assert.False(s1.Image.AsSpan<byte>().SequenceEqual(s3.Image.AsSpan<byte>()));
        Assert.False(s1.Mask.AsSpan<byte>().SequenceEqual(s4.Mask!.AsSpan<byte>()));
        Assert.Equal([128L, 160L, 3L], s1.Image.shape);
    }

    [Fact]
    public void A_batch_of_eight_holds_at_least_six_classes_and_only_valid_labels()
    {
        var dataset = new SyntheticStreetDataset(new SyntheticStreetOptions { Seed = 0, Count = 64 });
        Assert.Equal(8, dataset.ClassCount);
        for (var start = 0; start < 64; start += 8)
        {
            var present = new HashSet<byte>();
            for (var i = start; i < start + 8; i++)
            {
                using var sample = dataset.Load(i);
                foreach (var v in sample.Mask!.AsSpan<byte>())
                {
                    Assert.True(v < 8, $"label {v}");
                    present.Add(v);
                }
            }
            Assert.True(present.Count >= 6, $"batch at {start} holds {present.Count} classes");
        }
    }

    // A guard against pathological slowness only: Release builds measure about 3 ms per 128x160 image on 2 cores.
    [Fact]
    public void Generation_is_fast_enough_for_on_the_fly_use()
    {
        var dataset = new SyntheticStreetDataset(new SyntheticStreetOptions { Count = 40 });
        using (dataset.Load(0))
        {
        }
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 40; i++)
        {
            using var sample = dataset.Load(i);
        }
        var perImage = watch.Elapsed.TotalMilliseconds / 40;
        Assert.True(perImage < 200, $"{perImage:F1} ms per image");
    }

    [Fact]
    public void Options_validation_lists_every_problem()
    {
        var problems = new SyntheticStreetOptions { Count = -1, Height = 8, Width = 10_000, NoiseStd = -1 }.Validate();
        Assert.Equal(4, problems.Count);
        Assert.Throws<ArgumentException>(() => new SyntheticStreetDataset(new SyntheticStreetOptions { Height = 1 }));
    }

    [Fact]
    public void The_synthetic_type_opens_distinct_train_and_validation_scenes_and_an_unlabeled_view()
    {
        var types = DatasetTypes.Files.WithSyntheticScenes();
        var options = new DataOptions { Type = "synthetic", SyntheticTrainCount = 6, SyntheticValCount = 2, SyntheticHeight = 48, SyntheticWidth = 64, SyntheticSeed = 7 };
        var datasets = TrainingDatasets.Create(options with { Labeled = "2" }, types);
        Assert.Equal((2, 4, 2), (datasets.Labeled.Count, datasets.Unlabeled.Count, datasets.Validation.Count));
        Assert.True(datasets.Labeled.HasMasks);
        Assert.False(datasets.Unlabeled.HasMasks);
        Assert.Empty(Enumerable.Range(0, 2).Select(datasets.Validation.GetId).Intersect(Enumerable.Range(0, 6).Select(i => $"synthetic_7_{i:D6}")));
        using var unlabeled = datasets.Unlabeled.Load(0);
        Assert.Null(unlabeled.Mask);
        Assert.Equal([48L, 64L, 3L], unlabeled.Image.shape);
        // net.num_classes' default for type synthetic (TrainingConfigReader) is this count.
        Assert.Equal(DataOptions.SyntheticClassCount, datasets.Validation.ClassCount);
    }

    [Fact]
    public void The_synthetic_type_lists_every_problem_with_its_section()
    {
        var problems = new SyntheticSceneType().Validate(new DataOptions { Type = "synthetic", SyntheticTrainCount = 1, SyntheticHeight = 8, SyntheticWidth = 10_000 });
        Assert.Equal(3, problems.Count);
        var error = Assert.Throws<ArgumentException>(() => TrainingDatasets.OpenValidation(new DataOptions { SyntheticHeight = 8 }, DatasetTypes.Files.WithSyntheticScenes()));
        Assert.Contains("dataset.synthetic.height", error.Message);
    }
}
