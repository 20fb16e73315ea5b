using System.Diagnostics;
using U2PL.Contracts;
using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Tests;

/// <summary>
/// Real <c>u2pl-silo</c> processes sharing a private Redis (a cluster id of their own), an Orleans cluster client
/// in the test, and helpers to follow a run: its status, events and the losses it reported.
/// </summary>
public sealed class TrainingCluster(RedisServer redis) : IAsyncDisposable
{
    private readonly string _clusterId = "c" + Guid.NewGuid().ToString("N")[..10];
    private ClusterClientHost? _client;
    private readonly TestCertificates _tls = new();

    public List<SiloProcess> Silos { get; } = [];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("u2pl-cluster-").FullName;

    public IGrainFactory Grains => _client?.Client ?? throw new InvalidOperationException("no client: start a silo first");

    public async Task<SiloProcess> StartSiloAsync(string role, int gpuSlots = 0)
    {
        var silo = await SiloProcess.StartAsync(redis.Uri, _clusterId, role, gpuSlots, deathTimeoutSeconds: 4, responseTimeoutSeconds: 60, tls: _tls);
        Silos.Add(silo);
        if (_client is null && role is "state" or "all")
        {
            _client = await ClusterClientHost.ConnectAsync(redis.Port, _clusterId, TimeSpan.FromSeconds(120), _tls);
        }
        return silo;
    }

    public ITrainingRunGrain Run(string runId) => Grains.GetGrain<ITrainingRunGrain>(runId);

    /// <summary>
    /// A second client bound to <paramref name="silo"/>'s gateway alone: its calls never go through another silo's
    /// gateway (the test client may pick a frozen silo's, and then waits out its response timeout).
    /// </summary>
    public Task<ClusterClientHost> ConnectToAsync(SiloProcess silo) =>
        ClusterClientHost.ConnectToGatewayAsync(silo.GatewayPort, _clusterId, TimeSpan.FromSeconds(120), _tls);

    /// <summary>Calls the run grain; a failure (or no answer within 3 minutes) carries the silos' logs.</summary>
    public async Task<T> CallAsync<T>(string runId, Func<ITrainingRunGrain, Task<T>> call, string what)
    {
        try
        {
            return await call(Run(runId)).WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            var events = string.Join("\n", (await Run(runId).GetEvents(0)).Select(ev => $"  [{ev.Kind}] {ev.Message}"));
            Assert.Fail($"{what} failed: {e.GetType().Name}: {e.Message}\nevents:\n{events}\n{Logs()}");
            throw;
        }
    }

    /// <summary>Starts a run on the config file; a failure carries the silos' logs.</summary>
    public async Task<RunStatus> StartRunAsync(string runId, string config, int workers)
    {
        try
        {
            return await Run(runId).Start(new RunSpec { ConfigText = File.ReadAllText(config), ConfigSource = config, Workers = new WorkerTarget { Count = workers } })
                .WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"starting {runId} failed: {e.GetType().Name}: {e.Message}\n{Logs()}");
            throw;
        }
    }

    /// <summary>Polls the run until <paramref name="condition"/> holds; every status seen is kept in <paramref name="seen"/>.</summary>
    public async Task<RunStatus> WaitAsync(string runId, Func<RunStatus, bool> condition, TimeSpan timeout, string what, List<RunStatus>? seen = null)
    {
        var clock = Stopwatch.StartNew();
        RunStatus? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                // A poll in flight through the gateway of a silo just killed is never answered: ask again through another.
                last = await Run(runId).GetStatus().WaitAsync(TimeSpan.FromSeconds(20));
                seen?.Add(last);
                if (condition(last)) return last;
                if (last.State == RunState.Failed) break;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                // a silo is failing over: ask again
            }
            await Task.Delay(500);
        }
        var events = last is null ? "" : string.Join("\n", (await Run(runId).GetEvents(0)).Select(e => $"  [{e.Kind}] {e.Message}"));
        Assert.Fail($"{what}: not within {timeout.TotalSeconds:F0} s; last state {last?.State} at iteration {last?.Iteration}/{last?.TotalIterations}\nevents:\n{events}\n{Logs()}");
        return last!;
    }

    public async Task<RunEvent[]> EventsAsync(string runId) => await Run(runId).GetEvents(0);

    /// <summary>The tail of every silo's log, for failure messages.</summary>
    public string Logs() => string.Join("\n", Silos.Select((s, i) => $"--- silo {i} (port {s.Port}) ---\n{Tail(s.Output)}"));

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    /// <summary>
    /// A small U2PL config: synthetic 64×64 crops, ResNet-18 OS16, batch 2 (one micro-batch), 1 thread per worker, a
    /// warm-up epoch then semi-supervised ones; <paramref name="cluster"/> continues the cluster map (", mode: async").
    /// </summary>
    public string Config(int trainCount = 24, int labeled = 8, string extra = "", string cluster = "", int epochs = 2, int batchSize = 2, int microBatches = 1,
        int valCount = 4) =>
        WriteConfig(Directory, trainCount, labeled, extra, cluster, epochs, batchSize, microBatches, valCount);

    /// <summary><see cref="Config"/> written into <paramref name="directory"/> (checkpoints go to its runs/).</summary>
    public static string WriteConfig(string directory, int trainCount = 24, int labeled = 8, string extra = "", string cluster = "", int epochs = 2, int batchSize = 2,
        int microBatches = 1, int valCount = 4)
    {
        var path = Path.Combine(directory, $"run-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $$"""
            seed: 3
            dataset:
              type: synthetic
              synthetic: { train_count: {{trainCount}}, val_count: {{valCount}}, height: 64, width: 80, seed: 1 }
              labeled: {{labeled}}
              batch_size: {{batchSize}}
              workers: 1
              train:
                crop: { type: rand, size: [64, 64] }
              val: { mode: center }
            net: { arch: resnet18, output_stride: 16 }
            trainer:
              epochs: {{epochs}}
              sup_only_epoch: 1
              micro_batches: {{microBatches}}
              threads: 1
              optimizer: { kwargs: { lr: 0.01, momentum: 0.9, weight_decay: 0.0005 }, decoder_lr_multiplier: 1 }
              contrastive: { num_queries: 8, num_negatives: 16, low_rank: 2, high_rank: 5, memory_bank: { capacity: 500, background_capacity: 500 } }
            {{extra}}
            saver: { snapshot_dir: {{Path.Combine(directory, "runs")}} }
            cluster: { shards: 2, worker_threads: 1, lease_timeout_seconds: 8{{cluster}} }
            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        foreach (var silo in Silos) await silo.DisposeAsync();
        _tls.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a killed silo may still be closing a file
        }
    }
}
