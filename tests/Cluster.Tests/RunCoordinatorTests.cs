using System.Diagnostics;
using U2PL.Contracts;
using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Tests;

/// <summary>
/// The run coordinator with real silo processes and Redis: it writes its state to Redis only when the state changes
/// (nothing while idle or paused), and it answers pause, scale and status while a checkpoint waits at its barrier and a
/// validation runs (here both held up by a frozen GPU silo, the worst case: a worker that holds a lease and a
/// validation that cannot answer).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RunCoordinatorTests(RedisFixture redis, ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ControlBound = TimeSpan.FromSeconds(1);
    private const long StepsPerEpoch = 24;

    [Fact]
    public async Task A_run_writes_only_on_change_and_answers_control_calls_during_a_checkpoint_and_a_validation()
    {
        await using var cluster = new TrainingCluster(redis.Server);
        var state = await cluster.StartSiloAsync("state");
        var gpu = await cluster.StartSiloAsync("gpu", gpuSlots: 1);
        // 24 steps an epoch (96 unlabeled images, 4 a step), 200 validation images: a validation takes seconds after each epoch's end.
        var config = cluster.Config(trainCount: 104, labeled: 8, epochs: 40, valCount: 200, batchSize: 4, microBatches: 2);
        var runId = "test-" + Guid.NewGuid().ToString("N")[..8];
        await cluster.StartRunAsync(runId, config, 1);
        var first = await cluster.WaitAsync(runId, s => s.Iteration >= 2, RunTimeout, "training");
        Assert.Equal(StepsPerEpoch, first.TotalIterations / first.Epochs);

        var start = await cluster.Run(runId).GetStatus();
        var training = await RedisWritesAsync(runId, () => Task.Delay(Window));
        var end = await cluster.Run(runId).GetStatus();
        var epochEnds = end.Iteration / StepsPerEpoch - start.Iteration / StepsPerEpoch;
        output.WriteLine($"training, {Window.TotalSeconds:F0} s (iterations {start.Iteration} to {end.Iteration}, {epochEnds} epoch ends): {training}");
        // Before: the record and the registry every second (120 in 60 s). Now an epoch's end writes its checkpoint, its
        // validation and the phase (record, events, registry: at most 8), and nothing else changes the record.
        Assert.True(training.Count <= 8 * (epochEnds + 1), $"a training run writes on change only: {training}");

        await using (var viaState = await cluster.ConnectToAsync(state))
        {
            await ControlCallsAnsweredDuringCheckpointAndValidationAsync(cluster, viaState.Client, gpu, runId);
        }

        var pausing = await cluster.CallAsync(runId, r => r.Pause(), "pause");
        var pauseSequence = pausing.RecentEvents.Last(e => e.Kind == RunEventKind.Paused).Sequence;
        await cluster.WaitAsync(runId, s => s.RecentEvents.Any(e => e.Kind == RunEventKind.Checkpoint && e.Sequence > pauseSequence), RunTimeout, "the pause's checkpoint");
        await Task.Delay(TimeSpan.FromSeconds(3)); // its event log write
        var paused = await RedisWritesAsync(runId, () => Task.Delay(Window));
        output.WriteLine($"paused, {Window.TotalSeconds:F0} s: {paused}");
        Assert.True(paused.Count == 0, $"a paused run writes nothing: {paused}");

        await cluster.CallAsync(runId, r => r.Scale(new WorkerTarget { Count = 0 }), "scale to 0");
        await cluster.CallAsync(runId, r => r.Resume(), "resume");
        await cluster.WaitAsync(runId, s => s.Workers.Count == 0, RunTimeout, "the worker to leave");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idle = await RedisWritesAsync(runId, () => Task.Delay(Window));
        output.WriteLine($"idle (no worker), {Window.TotalSeconds:F0} s: {idle}");
        Assert.True(idle.Count == 0, $"an idle run writes nothing: {idle}");

        await cluster.CallAsync(runId, r => r.Stop(), "stop");
        // Orleans warns of any turn longer than SchedulingOptions.TurnWarningLengthThreshold (1 s): reported, not asserted
        // (a turn's wall time on 2 loaded cores includes time without a core).
        var longTurns = cluster.Silos.SelectMany(silo => silo.Output.Split('\n')).Where(l => l.Contains("took elapsed time", StringComparison.Ordinal)).ToList();
        output.WriteLine($"turns over 1 s (Orleans' warnings): {longTurns.Count}" + string.Concat(longTurns.Take(10).Select(l => "\n  " + l)));
    }

    /// <summary>
    /// Freezes the GPU silo just after an epoch's checkpoint (its validation runs there, and its worker holds a lease),
    /// asks for a checkpoint (which then waits at its barrier), and times status, scale and pause through the state
    /// silo's gateway (<paramref name="client"/>); retried at the next epoch if the frozen worker held no lease (it was
    /// between micro-batches) or the validation had already finished when the silo froze.
    /// </summary>
    private async Task ControlCallsAnsweredDuringCheckpointAndValidationAsync(TrainingCluster cluster, IClusterClient client, SiloProcess gpu, string runId)
    {
        var run = client.GetGrain<ITrainingRunGrain>(runId);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var before = await cluster.Run(runId).GetStatus();
            var epochEnd = (before.Iteration / StepsPerEpoch + 1) * StepsPerEpoch;
            await cluster.WaitAsync(runId, s => s.RecentEvents.Any(e => e.Kind == RunEventKind.Checkpoint && e.Iteration >= epochEnd), RunTimeout, $"the checkpoint at {epochEnd}");
            await gpu.SignalAsync("STOP");
            var frozenAt = DateTimeOffset.UtcNow;
            if ((await client.GetGrain<IDataDispenserGrain>(runId).Progress()).Outstanding == 0)
            {
                output.WriteLine($"attempt {attempt + 1}: the frozen worker held no lease; the next epoch's end is tried");
                await gpu.SignalAsync("CONT");
                continue;
            }
            var checkpoint = run.Checkpoint();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                var times = new List<(string Call, TimeSpan Took)>();
                foreach (var (name, call) in new (string, Func<ITrainingRunGrain, Task>)[]
                         {
                             ("status", r => r.GetStatus()), ("scale", r => r.Scale(new WorkerTarget { Count = 1 })), ("pause", r => r.Pause()),
                             ("status", r => r.GetStatus()), ("resume", r => r.Resume()),
                         })
                {
                    var clock = Stopwatch.StartNew();
                    await call(run).WaitAsync(TimeSpan.FromSeconds(30));
                    times.Add((name, clock.Elapsed));
                }
                Assert.False(checkpoint.IsCompleted, "the checkpoint was still waiting at its barrier");
                output.WriteLine($"attempt {attempt + 1}: " + string.Join(", ", times.Select(t => $"{t.Call} {t.Took.TotalMilliseconds:F0} ms")));
                Assert.All(times, t => Assert.True(t.Took < ControlBound, $"{t.Call} took {t.Took.TotalMilliseconds:F0} ms during a checkpoint and a validation"));
            }
            finally
            {
                await gpu.SignalAsync("CONT");
            }
            await checkpoint.WaitAsync(TimeSpan.FromMinutes(3));
            var evaluated = await cluster.WaitAsync(runId, s => s.RecentEvents.Any(e => e.Kind == RunEventKind.Evaluated && e.Message.StartsWith($"epoch {epochEnd / StepsPerEpoch}:")),
                RunTimeout, $"epoch {epochEnd / StepsPerEpoch}'s validation");
            if (evaluated.RecentEvents.Last(e => e.Kind == RunEventKind.Evaluated).Time > frozenAt)
            {
                return; // the validation was still running while the calls were answered
            }
        }
        Assert.Fail("four epochs' ends passed without a frozen worker holding a lease during a validation");
    }

    /// <summary>Redis commands that write the run's grain state (its record, events, registry entry, state grains' setups) while <paramref name="during"/> runs.</summary>
    private async Task<RedisWrites> RedisWritesAsync(string runId, Func<Task> during)
    {
        var monitor = Process.Start(new ProcessStartInfo("redis-cli", $"-p {redis.Server.Port} monitor") { RedirectStandardOutput = true })!;
        var lines = new List<string>();
        var reading = Task.Run(async () =>
        {
            while (await monitor.StandardOutput.ReadLineAsync() is { } line) lock (lines) lines.Add(line);
        });
        await Task.Delay(500);
        await during();
        monitor.Kill();
        await reading;
        string[] writes = ["\"EVAL\"", "\"EVALSHA\"", "\"SET\"", "\"HSET\"", "\"DEL\"", "\"HDEL\"", "\"SETEX\""];
        List<string> ours;
        lock (lines)
        {
            ours = [.. lines.Where(l => writes.Any(w => l.Contains(w, StringComparison.OrdinalIgnoreCase))
                                        && (l.Contains(runId, StringComparison.Ordinal) || l.Contains("u2pl.runs", StringComparison.Ordinal)))];
        }
        return new RedisWrites(ours);
    }

    private sealed record RedisWrites(List<string> Lines)
    {
        public int Count => Lines.Count;

        public override string ToString() =>
            $"{Count} writes" + (Count == 0 ? "" : ":\n  " + string.Join("\n  ", Lines.Select(l => l.Length > 200 ? l[..200] + "…" : l).Take(30)));
    }
}
