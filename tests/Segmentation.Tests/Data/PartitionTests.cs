using FsCheck;
using FsCheck.Fluent;
using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Tests.Data;

public class PartitionTests
{
    private static readonly string[] Candidates = Enumerable.Range(0, 367).Select(i => $"seq{i / 100}_{i:D5}").ToArray();

    [Theory]
    [InlineData("1/16", 1464, 92)]
    [InlineData("1/8", 1464, 183)]
    [InlineData("1/16", 10582, 662)]
    [InlineData("1/8", 10582, 1323)]
    [InlineData("1/4", 10582, 2646)]
    [InlineData("1/2", 10582, 5291)]
    [InlineData("1/8", 2975, 372)]
    [InlineData("1/8", 367, 46)]
    [InlineData("46", 367, 46)]
    public void Sizes_give_the_official_counts(string size, int candidates, int expected) =>
        Assert.Equal(expected, PartitionSize.Parse(size).LabeledCount(candidates));

    [Fact]
    public void Same_seed_same_partition_other_seed_other_partition_drawn_from_the_whole_list()
    {
        var a = Partition.Create(Candidates, PartitionSize.Parse("1/8"), seed: 2);
        var b = Partition.Create(Candidates, PartitionSize.Parse("1/8"), seed: 2);
        var c = Partition.Create(Candidates, PartitionSize.Parse("1/8"), seed: 3);
        Assert.Equal(a.Labeled, b.Labeled);
        Assert.Equal(a.Unlabeled, b.Unlabeled);
        Assert.NotEqual(a.Labeled, c.Labeled);
        Assert.Equal(46, a.Labeled.Count);
        Assert.Equal(367 - 46, a.Unlabeled.Count);
        Assert.Empty(a.Overlap);
        // Drawn across the whole list, not from one sequence: all four "sequences" contribute.
        Assert.Equal(4, a.Labeled.Select(id => id[..4]).Distinct().Count());
    }

    [Fact]
    public void Classic_voc_style_partition_takes_unlabeled_from_a_larger_pool()
    {
        var pool = Candidates.Concat(Enumerable.Range(0, 50).Select(i => $"sbd_{i}")).ToArray();
        var p = Partition.Create(Candidates, PartitionSize.Of(20), seed: 0, unlabeledPool: pool);
        Assert.Equal(pool.Length - 20, p.Unlabeled.Count);
        Assert.Contains("sbd_7", p.Unlabeled);
    }

    [Fact]
    public void Partition_round_trips_through_official_format_split_files()
    {
        using var f = new DataFixtures();
        var p = Partition.Create(Candidates, PartitionSize.Parse("1/4"), seed: 11);
        p.Write(f.Root);
        var text = File.ReadAllText(f.PathOf("labeled.txt"));
        Assert.Equal(string.Concat(p.Labeled.Select(id => id + "\n")), text);
        var back = Partition.Read(f.Root);
        Assert.Equal(p.Labeled, back.Labeled);
        Assert.Equal(p.Unlabeled, back.Unlabeled);
    }

    [Fact]
    public void Official_cityscapes_split_lines_are_kept_verbatim()
    {
        using var f = new DataFixtures();
        f.WriteText("labeled.txt", "leftImg8bit/train/hamburg/hamburg_000000_080169_leftImg8bit.png", "  ");
        f.WriteText("unlabeled.txt", "leftImg8bit/train/jena/jena_000035_000019_leftImg8bit.png");
        var p = Partition.Read(f.Root);
        Assert.Equal(["leftImg8bit/train/hamburg/hamburg_000000_080169_leftImg8bit.png"], p.Labeled);
    }

    [Fact]
    public void Property_partition_is_a_disjoint_cover_of_the_candidates()
    {
        var property = Prop.ForAll(Arb.From(Gen.Choose(1, 300)), Arb.From(Gen.Choose(0, 1000)), (n, seed) =>
        {
            var candidates = Enumerable.Range(0, n).Select(i => $"id{i}").ToArray();
            var count = 1 + seed % n;
            var p = Partition.Create(candidates, PartitionSize.Of(count), seed);
            return p.Labeled.Count == count
                   && p.Labeled.Concat(p.Unlabeled).Order().SequenceEqual(candidates.Order())
                   && !p.Labeled.Intersect(p.Unlabeled).Any();
        });
        Check.QuickThrowOnFailure(property);
    }

    [Fact]
    public void Epoch_order_is_a_function_of_seed_and_epoch()
    {
        Assert.Equal(EpochOrder.Shuffle(100, 5, 3), EpochOrder.Shuffle(100, 5, 3));
        Assert.NotEqual(EpochOrder.Shuffle(100, 5, 3), EpochOrder.Shuffle(100, 5, 4));
        Assert.Equal(Enumerable.Range(0, 100), EpochOrder.Shuffle(100, 5, 3).Order());
        var taken = EpochOrder.Take(7, 30, seed: 1, epoch: 0);
        Assert.Equal(30, taken.Length);
        Assert.Equal(Enumerable.Range(0, 7), taken[..7].Order());
    }
}
