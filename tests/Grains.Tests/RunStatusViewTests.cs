using System.Text.Json;
using Spectre.Console;
using U2PL.Client.Runs;
using U2PL.Contracts;
using U2PL.Grains.Run;
using U2PL.Web;

namespace U2PL.Grains.Tests;

/// <summary>
/// Sync mode in the run's views: the run grain's bounded log of who computed which micro-batch and how long the workers
/// waited at the step barrier, and how <c>u2pl run status</c>, its <c>--json</c> and the run page's status.json show it.
/// </summary>
public sealed class RunStatusViewTests
{
    [Fact]
    public void A_step_counts_once_all_its_micro_batches_are_in_and_only_the_latest_steps_are_kept()
    {
        var log = new SyncStepLog(microBatches: 2, steps: 3);
        Assert.Null(log.Add(Micro(0, 0, "r/0", wait: 0, seconds: 1)));
        var first = log.Add(Micro(0, 1, "r/1", wait: 1, seconds: 1));
        Assert.Equal(new StepBarrierWait(1, 2), first);
        Assert.Equal(1 / 3.0, first!.Share, 6);
        Assert.Null(log.Add(Micro(0, 1, "r/0", wait: 3, seconds: 1))); // handed out again: replaces it, completes nothing

        for (var t = 1; t < 10; t++)
        {
            log.Add(Micro(t, 1, "r/1", wait: 0.5, seconds: 1));
            log.Add(Micro(t, 0, "r/0", wait: 1.5, seconds: 1));
        }
        log.Add(Micro(10, 0, "r/0", wait: 9, seconds: 1)); // step 10 is half done: neither shown nor counted

        var latest = log.Latest(2);
        Assert.Equal([8L, 8, 9, 9], latest.Select(a => a.Iteration));
        Assert.Equal([0, 1, 0, 1], latest.Select(a => a.MicroBatch));
        Assert.Equal(["r/0", "r/1", "r/0", "r/1"], latest.Select(a => a.WorkerKey));
        Assert.Equal(4, log.Latest(10).Count); // steps 8, 9 and the half-done 10 are all it holds
        Assert.Equal(new StepBarrierWait(2, 2), log.MeanWait());
        Assert.Equal(0.5, log.MeanWait().Share);
    }

    [Fact]
    public void Run_status_shows_the_mode_the_micro_batches_the_barrier_wait_and_who_took_which_micro_batch()
    {
        var status = SyncStatus();

        Assert.Equal("mode sync, 4 micro-batches a step, barrier wait 0.42 s/step (12.5%)", RunStatusView.Mode(status));
        Assert.Equal("step 41: 0→#0 1→#1 2→#0 3→#1", RunStatusView.Assignments(status));
        var text = Rendered(status);
        Assert.Contains("mode sync, 4 micro-batches a step, barrier wait 0.42 s/step (12.5%)", text);
        Assert.Contains("step 41: 0→#0 1→#1 2→#0 3→#1", text);
        Assert.Contains("barrier s/lease", text);
        Assert.Matches(@"#1 .*41/3 .*0\.25", text);
        Assert.EndsWith("| mode sync, 4 micro-batches a step, barrier wait 0.42 s/step (12.5%)", RunStatusView.Line(status));

        var async = new RunStatus { RunId = "r", Mode = "async", Workers = [new WorkerInfo { WorkerKey = "r/0", State = WorkerState.Training }] };
        Assert.Equal("mode async", RunStatusView.Mode(async));
        Assert.DoesNotContain("barrier", Rendered(async));
    }

    [Fact]
    public void The_json_of_run_status_and_the_run_page_carries_the_sync_fields()
    {
        using var json = JsonDocument.Parse(RunJson.Serialize(SyncStatus()));
        var root = json.RootElement;

        Assert.Equal("sync", root.GetProperty("mode").GetString());
        Assert.Equal(4, root.GetProperty("micro_batches").GetInt32());
        Assert.Equal(0.42, root.GetProperty("barrier_wait_seconds").GetDouble());
        Assert.Equal(0.125, root.GetProperty("barrier_wait_share").GetDouble());
        var assignments = root.GetProperty("micro_batch_assignments").EnumerateArray().ToList();
        Assert.Equal(8, assignments.Count);
        Assert.Equal(41, assignments[^1].GetProperty("iteration").GetInt64());
        Assert.Equal(3, assignments[^1].GetProperty("micro_batch").GetInt32());
        Assert.Equal("r/1", assignments[^1].GetProperty("worker_key").GetString());
        Assert.Equal(0.25, assignments[^1].GetProperty("barrier_wait_seconds").GetDouble());
        var worker = root.GetProperty("workers")[1];
        Assert.Equal("41/3", worker.GetProperty("last_micro_batch").GetString());
        Assert.Equal(0.25, worker.GetProperty("barrier_wait_seconds").GetDouble());
    }

    private static MicroBatchAssignment Micro(long iteration, int microBatch, string worker, double wait, double seconds) =>
        new() { Iteration = iteration, MicroBatch = microBatch, WorkerKey = worker, BarrierWaitSeconds = wait, StepSeconds = seconds };

    /// <summary>Two workers, M = 4, steps 40 and 41 done (the workers alternate micro-batches).</summary>
    private static RunStatus SyncStatus() => new()
    {
        RunId = "r", State = RunState.Semi, Iteration = 42, TotalIterations = 100, Epochs = 1, Mode = "sync", MicroBatches = 4,
        BarrierWaitSeconds = 0.42, BarrierWaitShare = 0.125,
        Workers =
        [
            new WorkerInfo { WorkerKey = "r/0", Silo = "S10.0.0.5:11111:1", State = WorkerState.Training, LastMicroBatch = "41/2", BarrierWaitSeconds = 0.1 },
            new WorkerInfo { WorkerKey = "r/1", Silo = "S10.0.0.6:11111:1", State = WorkerState.Training, LastMicroBatch = "41/3", BarrierWaitSeconds = 0.25 },
        ],
        MicroBatchAssignments =
        [
            .. from t in new long[] { 40, 41 }
               from m in Enumerable.Range(0, 4)
               select Micro(t, m, $"r/{m % 2}", wait: m == 3 ? 0.25 : 0, seconds: 1),
        ],
    };

    private static string Rendered(RunStatus status)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 220;
        console.Write(RunStatusView.Render(status));
        return writer.ToString();
    }
}
