using TorchSharp;
using U2PL.Grains.MemoryBank;
using U2PL.Segmentation.Method;
using static TorchSharp.torch;

namespace U2PL.Grains.Tests;

/// <summary>
/// A bank grain's sync-mode log (<see cref="SyncBankLog"/>): step t's negatives reach Q_c only once all M micro-batches
/// pushed theirs, in micro-batch order whatever order they came in; a replica that took a snapshot and then the rows
/// <see cref="SyncBankLog.Since"/> serves holds the bank's rows and samples what the bank samples.
/// </summary>
public sealed class SyncBankLogTests
{
    private const int MicroBatches = 3;
    private const int Dim = 4;

    [Fact]
    public void A_steps_rows_are_enqueued_once_every_micro_batch_pushed_in_micro_batch_order()
    {
        using var scope = torch.NewDisposeScope();
        using var bank = new ClassMemoryBank(100, Dim);
        using var log = new SyncBankLog(bank, MicroBatches, committedThrough: 0);
        var rows = Enumerable.Range(0, MicroBatches).Select(m => Rows(step: 0, m, count: m + 1)).ToArray();

        Assert.True(log.Push(0, 2, rows[2]));
        Assert.True(log.Push(0, 0, rows[0]));
        Assert.Equal(0, bank.Count);
        Assert.Equal((0L, 0L), (log.Appended, log.CommittedThrough));
        Assert.True(log.Push(0, 1, rows[1]));

        Assert.Equal((6L, 6L, 1L), (bank.Count, log.Appended, log.CommittedThrough));
        Assert.Equal(Values(torch.cat(rows, 0)), Values(bank.Snapshot()));
    }

    [Fact]
    public void Two_arrival_orders_of_the_same_micro_batches_leave_the_same_bank()
    {
        using var scope = torch.NewDisposeScope();
        var rows = Enumerable.Range(0, 4).Select(step => Enumerable.Range(0, MicroBatches).Select(m => Rows(step, m, count: 2 + (step + m) % 3)).ToArray()).ToArray();
        float[] Fill(int[] order)
        {
            using var bank = new ClassMemoryBank(16, Dim); // wraps around
            using var log = new SyncBankLog(bank, MicroBatches, committedThrough: 0);
            for (var step = 0; step < rows.Length; step++)
            {
                foreach (var m in order) Assert.True(log.Push(step, m, rows[step][m]));
            }
            return Values(bank.Snapshot());
        }

        var inOrder = Fill([0, 1, 2]);
        Assert.Equal(inOrder, Fill([2, 1, 0]));
        Assert.Equal(inOrder, Fill([1, 2, 0]));
        var all = torch.cat(rows.SelectMany(r => r).ToArray(), 0);
        Assert.Equal(Values(all.narrow(0, all.size(0) - 16, 16)), inOrder); // the newest 16, oldest first
    }

    [Fact]
    public void A_micro_batch_pushed_twice_or_for_a_committed_step_is_not_enqueued_again()
    {
        using var scope = torch.NewDisposeScope();
        using var bank = new ClassMemoryBank(100, Dim);
        using var log = new SyncBankLog(bank, MicroBatches, committedThrough: 5);
        var rows = Enumerable.Range(0, MicroBatches).Select(m => Rows(step: 5, m, count: 2)).ToArray();

        Assert.False(log.Push(4, 0, Rows(4, 0, 2))); // below the checkpoint the bank was restored at
        Assert.True(log.Push(5, 1, rows[1]));
        Assert.False(log.Push(5, 1, Rows(99, 1, 2)));
        Assert.True(log.Push(5, 0, rows[0]));
        Assert.True(log.Push(5, 2, rows[2]));
        Assert.Equal(6L, log.CommittedThrough);
        Assert.False(log.Push(5, 0, Rows(99, 0, 2))); // a dead worker's micro-batch computed again after the step
        Assert.False(log.Push(5, 2, Rows(99, 2, 2)));

        Assert.Equal((6L, 6L), (bank.Count, log.Appended));
        Assert.Equal(Values(torch.cat(rows, 0)), Values(bank.Snapshot()));
        Assert.Throws<ArgumentException>(() => log.Push(6, MicroBatches, rows[0]));
    }

    [Fact]
    public void Since_serves_exactly_the_rows_appended_after_a_count_or_null_when_they_are_gone()
    {
        using var scope = torch.NewDisposeScope();
        using var bank = new ClassMemoryBank(12, Dim);
        using var log = new SyncBankLog(bank, MicroBatches, committedThrough: 0);
        var enqueued = new List<Tensor>();
        var boundaries = new List<long> { 0 };
        for (var step = 0; step < 6; step++)
        {
            foreach (var m in new[] { 1, 0, 2 })
            {
                log.Push(step, m, Rows(step, m, count: m == 1 ? 0 : 2)); // micro-batch 1 found no negatives
            }
            enqueued.AddRange(Enumerable.Range(0, MicroBatches).Where(m => m != 1).Select(m => Rows(step, m, 2)));
            boundaries.Add(log.Appended);
        }
        var all = torch.cat(enqueued, 0);
        Assert.Equal(24, log.Appended);

        Assert.Equal(0, log.Since(24)!.size(0));
        Assert.Null(log.Since(25)); // a count this history never reached
        var served = 0;
        foreach (var appended in boundaries)
        {
            using var since = log.Since(appended);
            if (since is null)
            {
                Assert.True(24 - appended > bank.Capacity, $"the rows after {appended} are kept, yet Since gave none");
                continue;
            }
            Assert.Equal(Values(all.narrow(0, appended, 24 - appended)), Values(since));
            served++;
        }
        Assert.True(served >= 3, $"only {served} counts were served");
        Assert.Null(log.Since(0)); // the first rows fell out of the bank and the log
    }

    [Fact]
    public void A_replica_from_a_snapshot_and_the_rows_since_samples_what_the_bank_samples()
    {
        using var scope = torch.NewDisposeScope();
        using var bank = new ClassMemoryBank(20, Dim);
        using var log = new SyncBankLog(bank, MicroBatches, committedThrough: 0);
        using var replica = new ClassMemoryBank(20, Dim);
        var step = 0L;
        void Step(int rowsPerMicroBatch)
        {
            foreach (var m in new[] { 2, 0, 1 }) log.Push(step, m, Rows(step, m, rowsPerMicroBatch));
            step++;
        }

        for (var i = 0; i < 5; i++) Step(3); // 45 rows: the bank has wrapped around
        replica.Restore(bank.Snapshot());
        var appended = log.Appended;
        for (var i = 0; i < 4; i++)
        {
            Step(1 + i);
            using var since = log.Since(appended) ?? throw new InvalidOperationException($"the rows after {appended} are not kept");
            replica.Push(since);
            appended = log.Appended;

            Assert.Equal(Values(bank.Snapshot()), Values(replica.Snapshot()));
            using var a = new Generator(17);
            using var b = new Generator(17);
            Assert.Equal(Values(bank.Sample(64, a)), Values(replica.Sample(64, b)));
        }
    }

    /// <summary>Rows whose values name their step, micro-batch and row, so a misplaced row shows.</summary>
    private static Tensor Rows(long step, int microBatch, int count) =>
        count == 0
            ? torch.zeros([0, Dim])
            : torch.arange(count * Dim, dtype: ScalarType.Float32).reshape(count, Dim).add_(step * 1000 + microBatch * 100);

    private static float[] Values(Tensor tensor) => tensor.numel() == 0 ? [] : tensor.contiguous().data<float>().ToArray();
}
