using System.Diagnostics;
using System.Text.Json;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.GrainDirectory.Redis;
using StackExchange.Redis;
using U2PL.Contracts;
using U2PL.Tests.Cluster;

namespace U2PL.Netns.Tests.Fixtures;

/// <summary>
/// One test's cluster on the shared pods: a cluster id of its own in the shared Redis, a silo per pod, an Orleans
/// client on the host (it finds the state pod's gateway in the Redis membership), and what a test reads: the run's
/// status and events, the membership table and the grain directory (both read from Redis).
/// </summary>
public sealed class PodCluster : IAsyncDisposable
{
    /// <summary>
    /// Silence after which a silo is declared dead (u2pl-silo --death-timeout: probes of death/4, 3 missed). 5 s, the
    /// most the issue allows in tests: on a loaded 2-core machine 4 s (direct probes of 0.5 s) made silos suspect
    /// each other while a run started.
    /// </summary>
    public const double DeathTimeoutSeconds = 5;

    /// <summary>A lease not completed in this time is handed out again.</summary>
    public const int LeaseTimeoutSeconds = 8;

    private readonly PodsFixture _pods;
    private ClusterClientHost? _client;
    private readonly TestCertificates _tls = new(); // the pods speak mutual TLS, as in the manifests
    private RedisGrainDirectory? _directory;
    private ConnectionMultiplexer? _redis;

    public PodCluster(PodsFixture pods) => _pods = pods;

    public string ClusterId { get; } = "n" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Every silo started, restarted incarnations included (for the logs).</summary>
    public List<PodSilo> Silos { get; } = [];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("u2pl-netns-").FullName;

    public Pod Pod(int index) => _pods.Network.Pods[index];

    public IClusterClient Grains => _client?.Client ?? throw new InvalidOperationException("no client: start a state silo first");

    public ITrainingRunGrain Run(string runId) => Grains.GetGrain<ITrainingRunGrain>(runId);

    /// <summary>Starts a silo in a pod (a restarted pod: a new incarnation on the same address and ports).</summary>
    public async Task<PodSilo> StartAsync(Pod pod, string role, int gpuSlots = 0)
    {
        var silo = await PodSilo.StartAsync(pod, _pods.ClusterUri, ClusterId, role, gpuSlots, DeathTimeoutSeconds, responseTimeoutSeconds: 60,
            _tls.Flags($"silo-{pod.Namespace}"));
        Silos.Add(silo);
        if (_client is null && role is "state" or "all")
        {
            _client = await ClusterClientHost.ConnectAsync(_pods.Redis.Port, ClusterId, TimeSpan.FromSeconds(60), _tls);
        }
        return silo;
    }

    /// <summary>1 state pod, 2 GPU pods with one slot each, and a run of 2 workers training on them.</summary>
    public async Task<(PodSilo State, PodSilo GpuA, PodSilo GpuB)> StartThreePodsAsync()
    {
        var state = await StartAsync(Pod(0), "state");
        var gpu = await Task.WhenAll(StartAsync(Pod(1), "gpu", gpuSlots: 1), StartAsync(Pod(2), "gpu", gpuSlots: 1));
        return (state, gpu[0], gpu[1]);
    }

    public async Task<string> StartRunAsync(int trainCount, int workers, int leaseTimeoutSeconds = LeaseTimeoutSeconds)
    {
        var config = Config(trainCount, leaseTimeoutSeconds);
        var runId = "netns-" + Guid.NewGuid().ToString("N")[..8];
        await Run(runId).Start(new RunSpec { ConfigText = File.ReadAllText(config), ConfigSource = config, Workers = new WorkerTarget { Count = workers } });
        return runId;
    }

    /// <summary>Polls the run until <paramref name="condition"/> holds; fails with the events and the silos' logs otherwise.</summary>
    public async Task<RunStatus> WaitAsync(string runId, Func<RunStatus, bool> condition, TimeSpan timeout, string what, List<RunStatus>? seen = null)
    {
        var clock = Stopwatch.StartNew();
        RunStatus? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                last = await Run(runId).GetStatus();
                seen?.Add(last);
                if (condition(last)) return last;
                if (last.State == RunState.Failed) break;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                // the cluster is failing over: ask again
            }
            await Task.Delay(250);
        }
        Assert.Fail($"{what}: not within {timeout.TotalSeconds:F0} s; last state {last?.State} at iteration {last?.Iteration}/{last?.TotalIterations}\n" +
                    $"coverage: {Describe(last?.Coverage)}\nevents:\n{await EventsTextAsync(runId)}\n{Logs()}");
        return last!;
    }

    public async Task<RunEvent[]> EventsAsync(string runId) => await Run(runId).GetEvents(0);

    public async Task<string> EventsTextAsync(string runId)
    {
        try
        {
            return string.Join("\n", (await EventsAsync(runId)).Select(e => $"  {e.Time:HH:mm:ss.fff} [{e.Kind}] {e.Message}"));
        }
        catch (Exception e)
        {
            return $"  (events unavailable: {e.Message})";
        }
    }

    public static string Describe(IEnumerable<EpochCoverage>? coverage) =>
        coverage is null ? "?" : string.Join("; ", coverage.Select(c => $"epoch {c.Epoch}: {c.StepsDone}/{c.Steps} done, reissued {c.Reissued}, returned {c.Returned}, duplicated {c.Duplicated}"));

    /// <summary>The parameter-server shards' counters (gradients applied, stale ones) of a run with two shards.</summary>
    public Task<ShardStatistics[]> ShardStatisticsAsync(string runId) =>
        Task.WhenAll(Enumerable.Range(0, 2).Select(k => Grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(runId, k)).Statistics()));

    /// <summary>
    /// The membership row of a silo incarnation as Redis holds it now (read directly, so that no silo's view or
    /// availability delays it), or null. The Redis clustering provider keeps one hash per cluster
    /// (<c>{serviceId}/members/{clusterId}</c>), a field per silo address with the entry as JSON. Orleans keeps no
    /// "declared dead by" column: the silo that writes Dead adds itself to the row's suspect list last ("for easier
    /// diagnosis"), so the last suspector is the one that declared it dead — or the silo itself when it left gracefully.
    /// </summary>
    public async Task<Member?> MemberAsync(string siloAddress)
    {
        _redis ??= await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_pods.Redis.Port}");
        var json = await _redis.GetDatabase().HashGetAsync($"u2pl/members/{ClusterId}", siloAddress);
        if (json.IsNullOrEmpty) return null;
        using var row = JsonDocument.Parse(json.ToString());
        var status = row.RootElement.GetProperty("Status") is { ValueKind: JsonValueKind.Number } number
            ? (SiloStatus)number.GetInt32()
            : Enum.Parse<SiloStatus>(row.RootElement.GetProperty("Status").GetString()!);
        var suspectors = row.RootElement.TryGetProperty("SuspectTimes", out var times) && times.ValueKind == JsonValueKind.Array
            ? times.EnumerateArray().Select(t => SiloAddress.FromParsableString(t.GetProperty("Item1").GetProperty("SiloAddress").GetString()!).ToString()).ToList()
            : [];
        return new Member(status, status == SiloStatus.Dead ? suspectors.LastOrDefault() : null);
    }

    /// <summary>Polls the membership table until the incarnation is dead; the time it took from <paramref name="since"/>.</summary>
    public async Task<TimeSpan> WaitDeclaredDeadAsync(string siloAddress, Stopwatch since, TimeSpan timeout)
    {
        while (since.Elapsed < timeout)
        {
            try
            {
                if (await MemberAsync(siloAddress) is { Status: SiloStatus.Dead }) return since.Elapsed;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                // Redis did not answer in time: ask again
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{siloAddress} was not declared dead within {timeout.TotalSeconds:F0} s\n{Logs()}");
        return default;
    }

    /// <summary>The Redis grain directory's entry of a worker: the silo and the activation that hold it.</summary>
    public async Task<GrainAddress?> WorkerEntryAsync(string workerKey) =>
        await (await DirectoryAsync()).Lookup(Grains.GetGrain<IWorkerGrain>(workerKey).GetGrainId());

    /// <summary>
    /// What the stale activation <paramref name="stale"/> would do to come back: register itself again (the directory
    /// registers only when the entry is absent or names the previous activation) and unregister the entry (only when
    /// it names the same activation). Returns the entry the register found in its place.
    /// </summary>
    public async Task<GrainAddress?> RegisterAsStaleAsync(GrainAddress stale)
    {
        var directory = await DirectoryAsync();
        var winner = await directory.Register(stale, previousAddress: null);
        await directory.Unregister(stale);
        return winner;
    }

    private async Task<RedisGrainDirectory> DirectoryAsync()
    {
        if (_directory is not null) return _directory;
        var options = new RedisGrainDirectoryOptions { ConfigurationOptions = ConfigurationOptions.Parse($"127.0.0.1:{_pods.Redis.Port}") };
        var directory = new RedisGrainDirectory(options, Options.Create(new ClusterOptions { ClusterId = ClusterId, ServiceId = "u2pl" }),
            NullLogger<RedisGrainDirectory>.Instance);
        await directory.Initialize();
        return _directory = directory;
    }

    /// <summary>The tail of every silo's log, for failure messages.</summary>
    public string Logs() => string.Join("\n", Silos.Select(s => $"--- {s.Role} silo {s.Address} in {s.Pod.Namespace} (exited: {s.HasExited}) ---\n{Tail(s.Output)}"));

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    /// <summary>
    /// A tiny U2PL config: synthetic 64×64 crops, ResNet-18, batch 2, one thread per worker, a warm-up epoch then a
    /// semi-supervised one; async mode, where every worker holds a lease while it trains (the tests follow those leases).
    /// </summary>
    private string Config(int trainCount, int leaseTimeoutSeconds)
    {
        var path = Path.Combine(Directory, $"run-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $$"""
            seed: 3
            dataset:
              type: synthetic
              synthetic: { train_count: {{trainCount}}, val_count: 4, height: 64, width: 80, seed: 1 }
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
              optimizer: { kwargs: { lr: 0.01, momentum: 0.9, weight_decay: 0.0005 }, decoder_lr_multiplier: 1 }
              contrastive: { num_queries: 8, num_negatives: 16, low_rank: 2, high_rank: 5, memory_bank: { capacity: 500, background_capacity: 500 } }
            saver: { snapshot_dir: {{Path.Combine(Directory, "runs")}} }
            cluster: { mode: async, shards: 2, worker_threads: 1, lease_timeout_seconds: {{leaseTimeoutSeconds}} }
            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is not null) await _directory.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
        foreach (var silo in Silos) await silo.DisposeAsync();
        _tls.Dispose();
        foreach (var pod in _pods.Network.Pods) PodNetwork.KillAll(pod); // nothing of this test outlives it in the pods
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

/// <summary>A membership row: the incarnation's status and, once dead, the silo that wrote it dead.</summary>
public sealed record Member(SiloStatus Status, string? DeclaredDeadBy);
