using System.Diagnostics;
using U2PL.Contracts;
using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Tests;

/// <summary>
/// Issue 5 §6 with real processes, in async mode: U2PL trains on a cluster of one state silo and GPU silos with CPU
/// "slots"; GPU and state silos are SIGKILLed mid-run; stale gradients are handled as configured; the run pauses,
/// resumes and stops. Sync mode's elasticity is <see cref="SyncRunTests"/>.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ElasticRunTests(RedisFixture redis)
{
    // A ceiling, not a target: under a CI load of 30 on 2 cores a 48-step run took over 6 minutes once (47/48 at the limit).
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    private static string NewRunId() => "test-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task SIGKILL_of_a_gpu_silo_mid_epoch_reissues_its_lease_the_epoch_is_fully_covered_and_the_worker_is_replaced_when_capacity_returns()
    {
        await using var cluster = new TrainingCluster(redis.Server);
        await cluster.StartSiloAsync("state");
        var first = await cluster.StartSiloAsync("gpu", gpuSlots: 1);
        var second = await cluster.StartSiloAsync("gpu", gpuSlots: 1);
        var config = cluster.Config(trainCount: 72, labeled: 8, cluster: ", mode: async");
        var runId = NewRunId();
        await cluster.StartRunAsync(runId, config, 2);
        var training = await cluster.WaitAsync(runId, s => s.Workers.Count(w => w.Steps > 0) == 2 && s.Iteration >= 3, RunTimeout, "two workers training");

        var victim = second.Hosts(training.Workers[1].Silo) ? second : first;
        victim.Kill();
        var killedAt = Stopwatch.StartNew();
        var killTime = DateTimeOffset.UtcNow;
        var progressBefore = training.Iteration;
        var replacement = cluster.StartSiloAsync("gpu", gpuSlots: 1); // capacity returns while the survivor trains on
        await cluster.WaitAsync(runId, s => s.Iteration >= progressBefore + 4, RunTimeout, "progress with the surviving worker");
        var recovered = killedAt.Elapsed;
        await replacement;
        var done = await cluster.WaitAsync(runId, s => s.State == RunState.Completed, RunTimeout, "the run to complete");

        Assert.Equal(done.TotalIterations, done.Iteration);
        Assert.All(done.Coverage, epoch => Assert.Equal(epoch.Steps, epoch.StepsDone));
        Assert.True(done.Coverage.Sum(e => e.Reissued + e.Returned) >= 1, "the killed worker's lease was handed out again");
        var events = await cluster.EventsAsync(runId);
        Assert.True(events.Count(e => e.Kind == RunEventKind.Joined) >= 3, "a worker joined on the new silo: " + string.Join("\n", events.Select(e => e.Message)));
        Assert.True(recovered < TimeSpan.FromSeconds(90), $"progress resumed after {recovered.TotalSeconds:F0} s (from iteration {progressBefore}); " +
            $"events, seconds from the kill:\n{string.Join("\n", events.Select(e => $"  {(e.Time - killTime).TotalSeconds,6:F1} [{e.Kind}] {e.Message} (iteration {e.Iteration})"))}\n{cluster.Logs()}");
    }

    [Fact]
    public async Task SIGKILL_of_a_state_silo_reactivates_its_grains_on_the_other_from_the_last_checkpoint_and_the_run_completes()
    {
        await using var cluster = new TrainingCluster(redis.Server);
        var stateA = await cluster.StartSiloAsync("state");
        var stateB = await cluster.StartSiloAsync("state");
        await cluster.StartSiloAsync("gpu", gpuSlots: 1);
        var config = cluster.Config(trainCount: 40, labeled: 8, cluster: ", mode: async");
        File.WriteAllText(config, File.ReadAllText(config).Replace("saver: {", "saver: { every_steps: 4,"));
        var runId = NewRunId();
        await cluster.StartRunAsync(runId, config, 1);
        var status = await cluster.WaitAsync(runId, s => s.LastCheckpoint.Length > 0 && s.Iteration >= 6 && s.Placement.Any(p => p.Grain == "shard/0"), RunTimeout, "a checkpoint");

        var shardSilo = status.Placement.First(p => p.Grain == "shard/0").Silo;
        var victim = stateA.Hosts(shardSilo) ? stateA : stateB;
        victim.Kill();

        var done = await cluster.WaitAsync(runId, s => s.State == RunState.Completed, RunTimeout, "the run to complete after the state silo died");
        Assert.Equal(done.TotalIterations, done.Iteration);
        var events = await cluster.EventsAsync(runId);
        var restored = events.Where(e => e.Kind == RunEventKind.Restored && e.Message.Contains("u2pl.ps/")).ToList();
        Assert.True(restored.Count >= 1, "the shard was restored: " + string.Join("\n", events.Select(e => $"[{e.Kind}] {e.Message}")));
        Assert.Contains("steps lost", restored[0].Message);
        Assert.DoesNotContain(done.Placement, p => victim.Hosts(p.Silo));
    }

    [Theory]
    [InlineData("reject")]
    [InlineData("scale")]
    public async Task Gradients_older_than_S_are_handled_as_configured_and_the_run_pauses_resumes_and_stops(string policy)
    {
        await using var cluster = new TrainingCluster(redis.Server);
        await cluster.StartSiloAsync("all", gpuSlots: 2);
        var store = "file://" + Path.Combine(cluster.Directory, "store");
        var config = cluster.Config(trainCount: 40, labeled: 8, extra: $"checkpoint: {{ store: '{store}', keep_last: 2 }}",
            cluster: $", mode: async, staleness: 0, staleness_policy: {policy}");
        var runId = NewRunId();
        await cluster.StartRunAsync(runId, config, 2);
        await cluster.WaitAsync(runId, s => s.StaleGradients >= 1, RunTimeout, "a gradient older than S = 0");

        var shards = await Task.WhenAll(Enumerable.Range(0, 2).Select(k => cluster.Grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(runId, k)).Statistics()));
        if (policy == "reject")
        {
            Assert.True(shards.Sum(s => s.RejectedStale) >= 1);
            Assert.Equal(0, shards.Sum(s => s.ScaledStale));
        }
        else
        {
            Assert.True(shards.Sum(s => s.ScaledStale) >= 1);
            Assert.Equal(0, shards.Sum(s => s.RejectedStale));
        }

        var pausing = await cluster.CallAsync(runId, r => r.Pause(), "pause");
        Assert.Equal(RunState.Paused, pausing.State);
        // Pause answers at once; the workers finish their steps and the pause's checkpoint follows.
        var paused = await cluster.WaitAsync(runId, s => s.LastCheckpoint.Length > 0 && s.RecentEvents.Any(e => e.Kind == RunEventKind.Checkpoint &&
            e.Sequence > pausing.RecentEvents.Last(p => p.Kind == RunEventKind.Paused).Sequence), RunTimeout, "the pause's checkpoint");
        await Task.Delay(TimeSpan.FromSeconds(4));
        var stillPaused = await cluster.Run(runId).GetStatus();
        Assert.Equal(paused.Iteration, stillPaused.Iteration);
        Assert.Contains(stillPaused.RecentEvents, e => e.Kind == RunEventKind.Paused);

        await cluster.CallAsync(runId, r => r.Resume(), "resume");
        await cluster.WaitAsync(runId, s => s.Iteration > paused.Iteration, RunTimeout, "progress after resume");

        var stopped = await cluster.CallAsync(runId, r => r.Stop(), "stop");
        Assert.Equal(RunState.Stopped, stopped.State);
        Assert.True(File.Exists(stopped.LastCheckpoint));
        await cluster.WaitAsync(runId, s => s.Workers.Count == 0, TimeSpan.FromMinutes(2), "the workers to leave");
        // Every iteration below the stop's checkpoint is done (rejected gradients' batches were leased again). With
        // `scale` nothing is given back, so at most the batches in flight at the barrier are done above it. With
        // `reject` and S = 0 a batch can lose the race to the other worker's push again and again while that worker
        // completes later iterations, so any number may be done above the hole it leaves (redone after a resume).
        var done = stopped.Coverage.Sum(e => e.StepsDone);
        Assert.InRange(done, stopped.Iteration, policy == "scale" ? stopped.Iteration + 2 : long.MaxValue);

        // The stop's checkpoint reached the durable store; a new run resumes from the store's latest.
        var resumedId = NewRunId();
        var resumed = await cluster.CallAsync(resumedId, r => r.Start(new RunSpec
        {
            ConfigText = File.ReadAllText(config), ConfigSource = config, Workers = new WorkerTarget { Count = 1 }, ResumeFrom = store,
        }), "start from the store");
        Assert.Equal(stopped.Iteration, resumed.Iteration);
        Assert.Contains(resumed.RecentEvents, e => e.Kind == RunEventKind.Started && e.Message.Contains("resumed from"));
        await cluster.CallAsync(resumedId, r => r.Stop(), "stop the resumed run");
    }
}
