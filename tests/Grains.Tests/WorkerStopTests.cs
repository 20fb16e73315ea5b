using System.Diagnostics;
using U2PL.Contracts;
using U2PL.Grains.Worker;

namespace U2PL.Grains.Tests;

/// <summary>
/// Stopping a worker whose pull hangs (a shard that never answers): the loop's wait on the pull ends with the stop,
/// and the worker's activation is released within <see cref="WorkerGrain.StopBound"/>, long before the call's own
/// deadline (the run's lease timeout, 10 minutes here) or Orleans' response timeout (10 minutes).
/// </summary>
public sealed class WorkerStopTests(HangingShardCluster cluster) : IClassFixture<HangingShardCluster>
{
    [Fact]
    public async Task A_worker_whose_pull_hangs_is_stopped_and_released_within_the_stop_bound()
    {
        const string runId = "hanging-pull";
        var grains = cluster.Cluster.Client;
        var directory = Directory.CreateTempSubdirectory("u2pl-worker-stop-").FullName;
        try
        {
            await grains.GetGrain<IDataDispenserGrain>(runId).Setup(new DispenserSetup
            {
                RunId = runId, Seed = 3, LabeledCount = 8, UnlabeledCount = 16, BatchSize = 2, StepsPerEpoch = 4, Epochs = 2, LastIteration = 8,
                LeaseTimeoutSeconds = 600, MicroBatches = 1,
            });
            var key = GrainKeys.Worker(runId, 0);
            var worker = grains.GetGrain<IWorkerGrain>(key);
            await worker.Start(new WorkerAssignment { RunId = runId, ConfigText = Config(directory), Shards = 2, Threads = 1 });
            await cluster.Pulls.Entered.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            Assert.Equal(WorkerState.Training, (await worker.GetInfo()).State);

            var clock = Stopwatch.StartNew();
            await worker.Stop("test: the shard does not answer").WaitAsync(WorkerGrain.StopBound, TestContext.Current.CancellationToken);
            var stopped = clock.Elapsed;
            while (await cluster.IsActiveAsync(key) && clock.Elapsed < WorkerGrain.StopBound)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
            var released = clock.Elapsed;

            Assert.True(released < WorkerGrain.StopBound, $"released after {released.TotalSeconds:F1} s, the bound is {WorkerGrain.StopBound.TotalSeconds} s");
            // The loop ended with the stop, not by the pull's deadline nor by the stop bound's timeout.
            Assert.True(stopped < TimeSpan.FromSeconds(10), $"Stop took {stopped.TotalSeconds:F1} s");
            TestContext.Current.SendDiagnosticMessage($"Stop answered after {stopped.TotalSeconds:F2} s, activation released after {released.TotalSeconds:F2} s");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_worker_whose_loop_ends_by_itself_releases_its_activation()
    {
        const string runId = "done";
        var grains = cluster.Cluster.Client;
        var directory = Directory.CreateTempSubdirectory("u2pl-worker-stop-").FullName;
        try
        {
            // Every iteration is done: the first lease answers Finished and the loop ends.
            await grains.GetGrain<IDataDispenserGrain>(runId).Setup(new DispenserSetup
            {
                RunId = runId, Seed = 3, LabeledCount = 8, UnlabeledCount = 16, BatchSize = 2, StepsPerEpoch = 4, Epochs = 2, LastIteration = 8,
                CompletedIterations = 8, LeaseTimeoutSeconds = 600, MicroBatches = 1,
            });
            var key = GrainKeys.Worker(runId, 0);
            await grains.GetGrain<IWorkerGrain>(key).Start(new WorkerAssignment { RunId = runId, ConfigText = Config(directory), Shards = 2, Threads = 1 });
            var clock = Stopwatch.StartNew();
            while (await cluster.IsActiveAsync(key) && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
            Assert.False(await cluster.IsActiveAsync(key), "the worker's activation outlived its loop");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The run's config as TrainingCluster's small runs (synthetic 64×64 crops, ResNet-18), with a 10-minute lease.</summary>
    private static string Config(string directory) => $$"""
        seed: 3
        dataset:
          type: synthetic
          synthetic: { train_count: 24, val_count: 4, height: 64, width: 80, seed: 1 }
          labeled: 8
          batch_size: 2
          workers: 1
          train:
            crop: { type: rand, size: [64, 64] }
          val: { mode: center }
        net: { arch: resnet18, output_stride: 16 }
        trainer:
          epochs: 2
          sup_only_epoch: 1
          threads: 1
          optimizer: { kwargs: { lr: 0.01, momentum: 0.9, weight_decay: 0.0005 }, decoder_lr_multiplier: 1 }
        saver: { snapshot_dir: {{Path.Combine(directory, "runs")}} }
        cluster: { shards: 2, worker_threads: 1, lease_timeout_seconds: 600 }
        """;
}
