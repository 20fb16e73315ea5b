using FsCheck;
using FsCheck.Fluent;
using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Synthetic;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;

namespace U2PL.Segmentation.Tests.Augmentation;

public class SegmentationTransformTests
{
    private static readonly SyntheticStreetDataset Scenes = new(new SyntheticStreetOptions { Seed = 1, Count = 16, Height = 64, Width = 80 });

    [Fact]
    public void Same_key_same_output_other_epoch_or_worker_differs()
    {
        var transform = SegmentationTransform.Train(AugmentationOptions.WithCrop(48));
        using var sample = Scenes.Load(2);
        var key = new SampleKey(RunSeed: 7, WorkerId: 0, Epoch: 1, SampleIndex: 2);
        using var a = transform.Apply(sample, key);
        using var b = transform.Apply(sample, key);
        Assert.True(a.Image.AsSpan<float>().SequenceEqual(b.Image.AsSpan<float>()));
        Assert.True(a.Label!.AsSpan<long>().SequenceEqual(b.Label!.AsSpan<long>()));
        var differs = 0;
        for (var epoch = 2; epoch < 6; epoch++)
        {
            using var c = transform.Apply(sample, key with { Epoch = epoch });
            differs += c.Image.AsSpan<float>().SequenceEqual(a.Image.AsSpan<float>()) ? 0 : 1;
        }
        using var w = transform.Apply(sample, key with { WorkerId = 1 });
        Assert.True(differs >= 3);
        Assert.False(w.Image.AsSpan<float>().SequenceEqual(a.Image.AsSpan<float>()));
    }

    [Fact]
    public void Output_has_the_crop_shape_and_padding_is_ignore_label_and_zero_after_normalization()
    {
        // Scale fixed at 0.5 so the 64x80 image (32x40 after scaling) is smaller than the 56x56 crop.
        var options = new AugmentationOptions { CropHeight = 56, CropWidth = 56, ScaleMin = 0.5, ScaleMax = 0.5 };
        var transform = SegmentationTransform.Train(options);
        using var sample = Scenes.Load(0);
        using var output = transform.Apply(sample, new SampleKey(0, 0, 0, 0));
        Assert.Equal([3L, 56L, 56L], output.Image.shape);
        Assert.Equal([56L, 56L], output.Label!.shape);
        Assert.Equal(ScalarType.Float32, output.Image.dtype);
        Assert.Equal(ScalarType.Int64, output.Label.dtype);
        var labels = output.Label.AsSpan<long>();
        var image = output.Image.AsSpan<float>();
        var padded = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == 255)
            {
                padded++;
                Assert.Equal(0f, image[i]);
                Assert.Equal(0f, image[56 * 56 + i]);
            }
        }
        Assert.Equal(56 * 56 - 32 * 40, padded);
    }

    [Fact]
    public void Flipped_image_matches_flipped_mask()
    {
        var noFlip = SegmentationTransform.Train(new AugmentationOptions { CropHeight = 64, CropWidth = 80, ScaleMin = 1, ScaleMax = 1, FlipProbability = 0 });
        var flip = SegmentationTransform.Train(new AugmentationOptions { CropHeight = 64, CropWidth = 80, ScaleMin = 1, ScaleMax = 1, FlipProbability = 1 });
        using var sample = Scenes.Load(5);
        var key = new SampleKey(3, 0, 0, 5);
        using var a = noFlip.Apply(sample, key);
        using var b = flip.Apply(sample, key);
        using var aFlipped = a.Image.flip(2).contiguous();
        using var aLabelFlipped = a.Label!.flip(1).contiguous();
        Assert.True(aFlipped.AsSpan<float>().SequenceEqual(b.Image.AsSpan<float>()));
        Assert.True(aLabelFlipped.AsSpan<long>().SequenceEqual(b.Label!.AsSpan<long>()));
    }

    [Fact]
    public void Eval_center_crops_without_randomness_and_without_crop_keeps_the_image()
    {
        using var sample = Scenes.Load(3);
        var center = SegmentationTransform.Eval(AugmentationOptions.WithCrop(32));
        using var a = center.Apply(sample, new SampleKey(1, 0, 0, 3));
        using var b = center.Apply(sample, new SampleKey(2, 5, 9, 3));
        Assert.True(a.Image.AsSpan<float>().SequenceEqual(b.Image.AsSpan<float>()));
        // Centre of a 64x80 image: rows 16..47, columns 24..55.
        Assert.Equal(sample.Mask!.AsSpan<byte>()[16 * 80 + 24], (byte)a.Label!.AsSpan<long>()[0]);
        using var whole = SegmentationTransform.Eval(new AugmentationOptions()).Apply(sample, default);
        Assert.Equal([3L, 64L, 80L], whole.Image.shape);
        var expected = (sample.Image.AsSpan<byte>()[0] - 123.675) / 58.395;
        Assert.Equal(expected, whole.Image.AsSpan<float>()[0], 5);
    }

    [Fact]
    public void Weak_augmentation_needs_no_mask()
    {
        var unlabeled = new SyntheticStreetDataset(Scenes.Options with { WithMasks = false });
        using var sample = unlabeled.Load(0);
        using var output = SegmentationTransform.Weak(AugmentationOptions.WithCrop(40)).Apply(sample, new SampleKey(0, 0, 0, 0));
        Assert.Null(output.Label);
        Assert.Equal([3L, 40L, 40L], output.Image.shape);
    }

    [Fact]
    public void Options_validation_lists_every_problem()
    {
        var problems = new AugmentationOptions { CropHeight = 10, ScaleMin = 0, FlipProbability = 2, Std = [1, 0, 1], IgnoreIndex = 300 }.Validate();
        Assert.Equal(5, problems.Count);
    }

    [Fact]
    public void Property_crop_and_pad_keep_mask_values_in_classes_or_ignore_and_place_pixels_consistently()
    {
        var table = CropKernel.NormalizeTable([0, 0, 0], [1, 1, 1]);
        var gen =
            from sh in Gen.Choose(1, 12)
            from sw in Gen.Choose(1, 12)
            from oh in Gen.Choose(1, 12)
            from ow in Gen.Choose(1, 12)
            from top in Gen.Choose(-12, 12)
            from left in Gen.Choose(-12, 12)
            from flip in ArbMap.Default.GeneratorFor<bool>()
            from seed in Gen.Choose(0, 10_000)
            select (Plan: new AugmentationPlan(sh, sw, oh, ow, top, left, flip), Seed: seed);
        var property = Prop.ForAll(Arb.From(gen), input =>
        {
            var (plan, seed) = input;
            var random = new DeterministicRandom((ulong)seed);
            var mask = new byte[plan.ScaledHeight * plan.ScaledWidth];
            for (var i = 0; i < mask.Length; i++)
            {
                mask[i] = random.NextBool(0.2) ? (byte)255 : (byte)random.Next(5);
            }
            // The image's red channel encodes the mask so the two can be compared after the crop.
            var rgb = mask.SelectMany(m => new[] { m, (byte)0, (byte)0 }).ToArray();
            var image = new float[3 * plan.OutputHeight * plan.OutputWidth];
            var labels = new long[plan.OutputHeight * plan.OutputWidth];
            CropKernel.Apply(plan, rgb, mask, image, labels, table, 255);
            return labels.All(l => l is >= 0 and < 5 or 255)
                   && labels.Select((l, i) => image[i] == l || (l == 255 && image[i] == 0)).All(ok => ok);
        });
        Check.QuickThrowOnFailure(property);
    }
}
