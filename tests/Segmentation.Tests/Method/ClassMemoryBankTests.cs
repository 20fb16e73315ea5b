using FsCheck;
using FsCheck.Fluent;
using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;

namespace U2PL.Segmentation.Tests.Method;

public class ClassMemoryBankTests
{
    /// <summary>Pushes blocks whose rows are numbered in order; the bank must hold the newest rows, oldest first.</summary>
    [Fact]
    public void Holds_the_newest_rows_in_fifo_order_within_capacity()
    {
        var property = Prop.ForAll(
            Gen.Choose(1, 40).ArrayOf().Where(blocks => blocks.Length > 0).ToArbitrary(),
            Gen.Choose(1, 64).ToArbitrary(),
            (int[] blockSizes, int capacity) =>
            {
                using var scope = torch.NewDisposeScope();
                using var bank = new ClassMemoryBank(capacity, 2);
                var next = 0;
                foreach (var size in blockSizes)
                {
                    var ids = Enumerable.Range(next, size).Select(i => (float)i).ToArray();
                    next += size;
                    var rows = torch.tensor(ids, size, 1).repeat(1, 2);
                    bank.Push(rows);
                }
                var expectedCount = Math.Min(capacity, next);
                var snapshot = bank.Snapshot().select(1, 0).ToArray<float>();
                var expected = Enumerable.Range(next - expectedCount, expectedCount).Select(i => (float)i).ToArray();
                return bank.Count == expectedCount && snapshot.SequenceEqual(expected);
            });
        Check.QuickThrowOnFailure(property);
    }

    [Fact]
    public void Samples_only_stored_rows_with_the_requested_count()
    {
        var property = Prop.ForAll(Gen.Choose(1, 50).ToArbitrary(), Gen.Choose(1, 200).ToArbitrary(), (int pushed, int n) =>
        {
            using var scope = torch.NewDisposeScope();
            using var bank = new ClassMemoryBank(30, 1);
            bank.Push(torch.arange(0, pushed, 1, ScalarType.Float32).view(-1, 1));
            using var generator = new Generator(7);
            var sample = bank.Sample(n, generator);
            var low = Math.Max(0, pushed - 30);
            return sample.size(0) == n && sample.ToArray<float>().All(v => v >= low && v < pushed);
        });
        Check.QuickThrowOnFailure(property);
    }

    [Fact]
    public void An_empty_bank_refuses_to_sample_and_restores_from_a_snapshot()
    {
        using var scope = torch.NewDisposeScope();
        using var bank = new ClassMemoryBank(5, 3);
        using var generator = new Generator(0);
        Assert.Throws<InvalidOperationException>(() => bank.Sample(1, generator));
        bank.Push(torch.randn([7, 3]));
        var snapshot = bank.Snapshot();
        using var restored = new ClassMemoryBank(5, 3);
        restored.Restore(snapshot);
        Assert.Equal(5, restored.Count);
        Assert.True(snapshot.allclose(restored.Snapshot(), 0, 0));
        Assert.Throws<ArgumentException>(() => bank.Push(torch.randn([2, 4])));
    }

    [Fact]
    public void The_percentile_threshold_is_between_the_entropies_and_partitions_them_by_alpha()
    {
        var property = Prop.ForAll(Gen.Choose(10, 400).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (int count, int alphaPercent) =>
        {
            using var scope = torch.NewDisposeScope();
            var entropy = torch.rand([count]);
            var valid = torch.ones([count], ScalarType.Bool);
            var gamma = EntropyPartition.Threshold(entropy, valid, alphaPercent / 100.0);
            var above = EntropyPartition.Unreliable(entropy, valid, gamma).sum().ToInt64();
            var min = entropy.min().ToDouble();
            var max = entropy.max().ToDouble();
            // At most ⌈α·n⌉ pixels lie strictly above the (1-α) quantile.
            return gamma >= min && gamma <= max && above <= Math.Ceiling(alphaPercent / 100.0 * count);
        });
        Check.QuickThrowOnFailure(property);
    }
}
