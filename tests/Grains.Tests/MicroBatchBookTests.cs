using Microsoft.Extensions.Time.Testing;
using U2PL.Contracts;
using U2PL.Grains.Data;

namespace U2PL.Grains.Tests;

/// <summary>
/// The dispenser's sync-mode book (<see cref="MicroBatchBook"/>): step t is M micro-batch leases that together are the
/// async book's lease of step t; step t + 1 opens only when every micro-batch of t is complete; an expired or released
/// lease is handed out again with the same samples; holding and the epoch gate close the next step, not the open one.
/// </summary>
public sealed class MicroBatchBookTests
{
    private static readonly DispenserSetup Setup = new()
    {
        RunId = "r", Seed = 11, LabeledCount = 10, UnlabeledCount = 30, BatchSize = 4, StepsPerEpoch = 3, Epochs = 2,
        LastIteration = 5, LeaseTimeoutSeconds = 30, Semi = true, MicroBatches = 2,
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void A_steps_micro_batch_leases_together_are_the_async_books_lease_of_the_step(int microBatches)
    {
        var clock = new FakeTimeProvider();
        var sync = new MicroBatchBook(Setup with { MicroBatches = microBatches }, clock);
        var whole = new LeaseBook(Setup with { MicroBatches = 0 }, clock);

        for (var step = 0L; step < Setup.LastIteration; step++)
        {
            var batch = Granted(whole.Lease("a"));
            var parts = Enumerable.Range(0, microBatches).Select(m => Granted(sync.Lease($"w{m % 2}"))).ToList();

            Assert.Equal(step, batch.Iteration);
            Assert.All(parts, p => Assert.Equal((step, batch.Epoch, microBatches), (p.Iteration, p.Epoch, p.MicroBatches)));
            Assert.Equal(Enumerable.Range(0, microBatches), parts.Select(p => p.MicroBatch));
            Assert.All(parts, p => Assert.Equal(Setup.BatchSize / microBatches, p.Labeled.Length));
            Assert.Equal(batch.Labeled, parts.SelectMany(p => p.Labeled));
            Assert.Equal(batch.Unlabeled, parts.SelectMany(p => p.Unlabeled));
            Assert.Equal(LeaseStatus.Exhausted, sync.Lease("w9").Status);

            Assert.True(whole.Complete(batch.LeaseId));
            foreach (var part in parts) Assert.True(sync.Complete(part.LeaseId));
        }
        Assert.Equal(LeaseStatus.Finished, sync.Lease("w0").Status);
        Assert.Equal(LeaseStatus.Finished, whole.Lease("a").Status);
    }

    [Fact]
    public void The_next_step_opens_only_when_every_micro_batch_of_the_step_is_complete()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider());
        var first = Granted(book.Lease("a"));
        var second = Granted(book.Lease("b"));
        Assert.Equal((0L, 0, 0L, 1), (first.Iteration, first.MicroBatch, second.Iteration, second.MicroBatch));
        Assert.Equal(LeaseStatus.Exhausted, book.Lease("c").Status);
        Assert.Equal(2, book.Progress().Outstanding);

        Assert.True(book.Complete(second.LeaseId));
        Assert.Equal(LeaseStatus.Exhausted, book.Lease("b").Status); // micro-batch 0 of step 0 is still being computed
        Assert.Equal((0L, 1L), (book.Progress().CompletedThrough, book.Progress().Outstanding));
        Assert.False(book.Complete(second.LeaseId)); // a second completion of the same lease is not a lease any more

        Assert.True(book.Complete(first.LeaseId));
        Assert.Equal((1L, 0L), (book.Progress().CompletedThrough, book.Progress().Outstanding));
        var next = Granted(book.Lease("c"));
        Assert.Equal((1L, 0), (next.Iteration, next.MicroBatch));
    }

    [Fact]
    public void A_returned_micro_batch_is_handed_out_again_with_the_same_samples()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider());
        var first = Granted(book.Lease("a"));
        Granted(book.Lease("b"));
        book.Return(first.LeaseId);
        var again = Granted(book.Lease("c"));

        Assert.Equal((first.Iteration, first.MicroBatch), (again.Iteration, again.MicroBatch));
        Assert.Equal(first.Labeled, again.Labeled);
        Assert.Equal(first.Unlabeled, again.Unlabeled);
        Assert.NotEqual(first.LeaseId, again.LeaseId);
        Assert.Equal((1L, 0L), (Coverage(book, 0).Returned, Coverage(book, 0).Reissued));
    }

    [Fact]
    public void An_expired_lease_is_handed_out_again_with_the_same_micro_batch_and_samples()
    {
        var clock = new FakeTimeProvider();
        var book = new MicroBatchBook(Setup, clock);
        var first = Granted(book.Lease("a"));
        clock.Advance(TimeSpan.FromSeconds(20));
        var second = Granted(book.Lease("b"));
        Assert.Equal(LeaseStatus.Exhausted, book.Lease("c").Status);

        clock.Advance(TimeSpan.FromSeconds(15)); // the first lease is past its deadline, the second is not
        var again = Granted(book.Lease("c"));

        Assert.Equal((first.Iteration, first.Epoch, first.MicroBatch), (again.Iteration, again.Epoch, again.MicroBatch));
        Assert.Equal(first.Labeled, again.Labeled);
        Assert.Equal(first.Unlabeled, again.Unlabeled);
        Assert.NotEqual(first.LeaseId, again.LeaseId);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(30), again.Deadline);
        Assert.Equal(1, Coverage(book, 0).Reissued);
        Assert.Equal(LeaseStatus.Exhausted, book.Lease("d").Status); // the second lease is still in time
        Assert.NotEqual(second.MicroBatch, again.MicroBatch);
    }

    [Fact]
    public void A_late_completion_of_an_expired_lease_completes_its_micro_batch_and_the_reissued_one_counts_as_duplicated()
    {
        var clock = new FakeTimeProvider();
        var book = new MicroBatchBook(Setup, clock);
        var late = Granted(book.Lease("a"));
        var other = Granted(book.Lease("b"));
        clock.Advance(TimeSpan.FromSeconds(31));
        var again = Granted(book.Lease("c"));
        Assert.Equal(late.MicroBatch, again.MicroBatch);

        Assert.False(book.Complete(late.LeaseId)); // late: its pushes were applied, so the micro-batch is done
        Assert.Equal(1, book.Progress().Outstanding);
        Assert.True(book.Complete(again.LeaseId)); // computed twice
        Assert.Equal(1, Coverage(book, 0).Duplicated);
        Assert.Equal(1, book.Progress().Outstanding);
        Assert.True(book.Complete(other.LeaseId));

        Assert.Equal(0, book.Progress().Outstanding);
        var coverage = Coverage(book, 0);
        Assert.Equal((1L, 1L, 1L), (coverage.StepsDone, coverage.Reissued, coverage.Duplicated));
        Assert.Equal(1, Granted(book.Lease("a")).Iteration);
    }

    [Fact]
    public void A_released_workers_micro_batches_are_handed_out_again_at_once()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider());
        var first = Granted(book.Lease("dead"));
        var second = Granted(book.Lease("dead"));
        Assert.Equal(0, book.Release("alive"));
        Assert.Equal(LeaseStatus.Exhausted, book.Lease("alive").Status);

        Assert.Equal(2, book.Release("dead"));
        var again = new[] { Granted(book.Lease("alive")), Granted(book.Lease("alive")) };

        Assert.Equal(new[] { first.MicroBatch, second.MicroBatch }, again.Select(l => l.MicroBatch).Order());
        Assert.Equal(first.Labeled, again.Single(l => l.MicroBatch == first.MicroBatch).Labeled);
        Assert.Equal(second.Unlabeled, again.Single(l => l.MicroBatch == second.MicroBatch).Unlabeled);
        Assert.Equal(2, Coverage(book, 0).Reissued);
        foreach (var lease in again) Assert.True(book.Complete(lease.LeaseId));
        Assert.Equal(1, book.Progress().CompletedThrough);
    }

    [Fact]
    public void Holding_lets_the_open_step_finish_and_keeps_the_next_closed()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider());
        var first = Granted(book.Lease("a"));
        book.Held = true;
        var second = Granted(book.Lease("b")); // step 0 is open: its last micro-batch is still handed out
        Assert.Equal((0L, 1), (second.Iteration, second.MicroBatch));
        Assert.Equal(LeaseStatus.Exhausted, book.Lease("c").Status);
        Assert.True(book.Progress().Held);

        Assert.True(book.Complete(first.LeaseId));
        Assert.Equal(1, book.Progress().Outstanding);
        Assert.True(book.Complete(second.LeaseId));
        Assert.Equal((1L, 0L), (book.Progress().CompletedThrough, book.Progress().Outstanding)); // nothing outstanding at the boundary
        Assert.Equal(LeaseStatus.Held, book.Lease("a").Status);
        Assert.Equal(0, book.Progress().Outstanding);

        book.Held = false;
        Assert.Equal(1, Granted(book.Lease("a")).Iteration);
    }

    [Fact]
    public void The_epoch_gate_lets_the_open_step_finish_and_keeps_the_next_closed()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider()) { Gate = 3 };
        for (var step = 0; step < 2; step++) CompleteStep(book);
        var first = Granted(book.Lease("a"));
        Assert.Equal(2, first.Iteration);
        book.Gate = 2; // closed below the open step: the open step still finishes
        var second = Granted(book.Lease("b"));
        Assert.Equal((2L, 1), (second.Iteration, second.MicroBatch));
        Assert.True(book.Complete(first.LeaseId));
        Assert.Equal(1, book.Progress().Outstanding);
        Assert.True(book.Complete(second.LeaseId));

        Assert.Equal(LeaseStatus.Held, book.Lease("a").Status);
        Assert.Equal((3L, 0L), (book.Progress().CompletedThrough, book.Progress().Outstanding));
        book.Gate = 6;
        var next = Granted(book.Lease("a"));
        Assert.Equal((3L, 1), (next.Iteration, next.Epoch));
    }

    [Fact]
    public void Every_step_is_counted_once_per_epoch_and_the_book_finishes_after_the_last_iteration()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider());
        for (var step = 0; step < Setup.LastIteration; step++) CompleteStep(book);

        Assert.Equal(LeaseStatus.Finished, book.Lease("a").Status);
        book.Held = true;
        Assert.Equal(LeaseStatus.Finished, book.Lease("a").Status);
        var progress = book.Progress();
        Assert.Equal((5L, 5L, 0L, 5L), (progress.CompletedThrough, progress.Completed, progress.Outstanding, progress.LastIteration));
        // Epoch 0 is steps 0–2, epoch 1 steps 3–4 (the run ends at 5); a step is 4 labeled and 4 unlabeled samples.
        Assert.Equal(new[] { (0, 3L, 3L, 24L), (1, 2L, 2L, 16L) }, progress.Epochs.Select(e => (e.Epoch, e.Steps, e.StepsDone, e.SamplesDone)));
        Assert.All(progress.Epochs, e => Assert.Equal(1.0, e.Coverage));
    }

    [Fact]
    public void A_resumed_book_starts_at_the_checkpointed_step()
    {
        var book = new MicroBatchBook(Setup with { CompletedIterations = 4 }, new FakeTimeProvider());
        var fresh = new MicroBatchBook(Setup, new FakeTimeProvider());
        for (var step = 0; step < 4; step++) CompleteStep(fresh);

        var resumed = Granted(book.Lease("a"));
        var expected = Granted(fresh.Lease("a"));
        Assert.Equal((4L, 1, 0), (resumed.Iteration, resumed.Epoch, resumed.MicroBatch));
        Assert.Equal(expected.Labeled, resumed.Labeled);
        Assert.Equal(expected.Unlabeled, resumed.Unlabeled);
    }

    [Fact]
    public void A_batch_that_does_not_split_into_the_micro_batches_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new MicroBatchBook(Setup with { MicroBatches = 3 }, new FakeTimeProvider()));
        Assert.Throws<ArgumentException>(() => new MicroBatchBook(Setup with { MicroBatches = 0 }, new FakeTimeProvider()));
    }

    [Fact]
    public void A_micro_batch_completed_late_is_not_handed_out_again()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider());
        var late = Granted(book.Lease("a"));
        var other = Granted(book.Lease("b"));
        book.Release("a");
        var again = Granted(book.Lease("c"));
        Assert.Equal(late.MicroBatch, again.MicroBatch);
        Assert.False(book.Complete(late.LeaseId)); // micro-batch 0 is done
        book.Release("c"); // c dies before it completes its (now redundant) copy

        var reply = book.Lease("d");

        Assert.True(reply.Status == LeaseStatus.Exhausted,
            $"micro-batch {reply.Lease?.MicroBatch} of step {reply.Lease?.Iteration} was handed out again although it is " +
            $"complete; only micro-batch {other.MicroBatch} is incomplete, and its lease is in time (expected Exhausted, got {reply.Status})");
        Assert.Equal(1, Coverage(book, 0).Reissued);
    }

    [Fact]
    public void A_reissued_lease_completed_after_its_step_closed_counts_as_duplicated()
    {
        var book = new MicroBatchBook(Setup, new FakeTimeProvider());
        var late = Granted(book.Lease("a"));
        var other = Granted(book.Lease("b"));
        book.Release("a");
        var again = Granted(book.Lease("c"));
        Assert.False(book.Complete(late.LeaseId)); // the late original completes micro-batch 0
        Assert.True(book.Complete(other.LeaseId)); // step 0 closes
        Assert.Equal(1, book.Progress().CompletedThrough);

        book.Complete(again.LeaseId); // micro-batch 0 computed a second time, as LeaseBook counts it

        Assert.True(Coverage(book, 0).Duplicated == 1,
            "the re-issued lease's completion after its step closed is not counted as Duplicated " +
            $"(expected 1, got {Coverage(book, 0).Duplicated}); LeaseBook counts the same sequence as 1");
    }

    private static void CompleteStep(MicroBatchBook book)
    {
        var leases = Enumerable.Range(0, Setup.MicroBatches).Select(_ => Granted(book.Lease("w"))).ToList();
        foreach (var lease in leases) Assert.True(book.Complete(lease.LeaseId));
    }

    private static BatchLease Granted(LeaseReply reply)
    {
        Assert.Equal(LeaseStatus.Granted, reply.Status);
        return reply.Lease!;
    }

    private static EpochCoverage Coverage(MicroBatchBook book, int epoch) => book.Progress().Epochs.Single(e => e.Epoch == epoch);
}
