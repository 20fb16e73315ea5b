using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Hosting;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Tests.Fixtures;
using U2PL.Runtime.Tests.TestGrains;

namespace U2PL.Runtime.Tests.Cluster;

/// <summary>One silo and a client in the test process, over real authenticated loopback connections.</summary>
public sealed class SingleSiloTests : IAsyncLifetime
{
    private readonly InProcessCluster _cluster = new();
    private Client.ClusterClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        await _cluster.StartSiloAsync();
        _client = await _cluster.ConnectClientAsync();
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Client_calls_reach_one_activation_per_key()
    {
        var a = _client.GetGrain<ICounterGrain>("a");
        var b = _client.GetGrain<ICounterGrain>("b");
        Assert.Equal(1, await a.Add(1));
        Assert.Equal(3, await a.Add(2));
        Assert.Equal(10, await b.Add(10));
        Assert.Equal(3, await _client.GetGrain<ICounterGrain>("a").Get());
    }

    [Fact]
    public async Task Metrics_count_calls_latency_handled_requests_bytes_and_activations()
    {
        for (var i = 0; i < 3; i++) await _client.GetGrain<ICounterGrain>($"m{i}").Add(1);
        Assert.Equal(1, await _cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>("m0").Get()); // a call made by the silo
        var text = _cluster.Silos[0].Metrics.ToPrometheusText();
        Assert.True(Value(text, "u2pl_requests_handled_total") >= 3, text);
        Assert.True(Value(text, "u2pl_activations") >= 3, text);
        Assert.True(Value(text, "u2pl_bytes_received_total") > 0, text);
        Assert.True(Value(text, "u2pl_bytes_sent_total") > 0, text);
        Assert.True(Value(text, "u2pl_call_duration_ms_count") >= 1, text);
        Assert.True(Value(text, "u2pl_call_duration_ms_sum") > 0, text);
    }

    private static double Value(string metrics, string name) =>
        double.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Silo_side_grain_factory_reaches_the_same_activation()
    {
        await _client.GetGrain<ICounterGrain>("shared").Add(5);
        var fromSilo = _cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>("shared");
        Assert.Equal(5, await fromSilo.Get());
    }

    [Fact]
    public async Task Grain_exceptions_come_back_with_their_type_and_message()
    {
        var grain = _client.GetGrain<IDeadlineGrain>(1);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Fail("boom"));
        Assert.Equal("boom", e.Message);
    }

    [Fact]
    public async Task Calls_are_turn_based_unless_read_only_or_reentrant()
    {
        var turns = _client.GetGrain<ITurnGrain>(1);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => turns.Work(40)));
        Assert.Equal(1, await turns.MaxConcurrent());

        var readers = _client.GetGrain<ITurnGrain>(2);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => readers.ReadWork(200)));
        Assert.True(await readers.MaxConcurrent() > 1, "read-only calls should interleave");

        var reentrant = _client.GetGrain<IReentrantTurnGrain>(1);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => reentrant.Work(200)));
        Assert.True(await reentrant.MaxConcurrent() > 1, "a reentrant grain's calls should interleave");
    }

    [Fact]
    public async Task An_always_interleave_call_is_not_held_behind_an_exclusive_call_waiting_for_the_running_turn()
    {
        var turns = _client.GetGrain<ITurnGrain>(3);
        var running = turns.Work(3000);
        await Task.Delay(300);
        var waiting = turns.Work(3000); // queued: waits for the running turn
        await Task.Delay(300);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(1, await turns.MaxConcurrent()); // [AlwaysInterleave]
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the interleaving call waited {clock.Elapsed.TotalSeconds:F1} s behind the queued turn");
        await Task.WhenAll(running, waiting);
        Assert.Equal(1, await turns.MaxConcurrent());
    }

    [Fact]
    public async Task Timers_tick_as_turns_and_never_overlap_calls()
    {
        var grain = _client.GetGrain<ITimerGrain>("t");
        await grain.Start(20);
        for (var i = 0; i < 10; i++) await grain.Busy(15);
        await Eventually.Until(grain.Ticks, t => t >= 5, TimeSpan.FromSeconds(10), "five timer ticks");
        Assert.False(await grain.Overlapped());
    }

    [Fact]
    public async Task Cancellation_reaches_the_grain_and_deadlines_fail_the_call()
    {
        var grain = _client.GetGrain<IDeadlineGrain>(2);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => grain.Wait(10_000, cts.Token));
        Assert.False(await grain.Wait(10, CancellationToken.None));
        await Assert.ThrowsAsync<TimeoutException>(() => grain.SlowWithShortDeadline(3000));
    }

    [Fact]
    public async Task Observers_receive_grain_events()
    {
        var received = new List<int>();
        var done = new TaskCompletionSource();
        var observer = new ProgressObserver((run, step) =>
        {
            lock (received) received.Add(step);
            if (step == 5) done.TrySetResult();
        });
        var reference = _client.CreateObjectReference<IProgressObserver>(observer);
        var grain = _client.GetGrain<IProgressGrain>("run-1");
        await grain.Subscribe(reference);
        await grain.Run(5);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1, 2, 3, 4, 5], received);
    }

    [Fact]
    public async Task A_grain_observes_another_grain_as_itself()
    {
        var listener = _client.GetGrain<IProgressListenerGrain>("listener");
        await listener.SubscribeTo("run-2");
        await _client.GetGrain<IProgressGrain>("run-2").Run(3);
        var received = await listener.Received(); // Run awaited each OnProgress turn
        Assert.Equal([1, 2, 3], received);
    }

    [Fact]
    public async Task A_hosted_client_from_AddU2plClient_connects_at_start_and_calls_grains()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.UseInMemoryClustering(_cluster.Store); // gateways discovered in the cluster store
        builder.Services.Configure<ClusterOptions>(o => o.ClusterKey = InProcessCluster.Key);
        builder.UseU2plClient(o => o.ClientId = "hosted-client");
        using var host = builder.Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StartAsync(cts.Token);
        var client = host.Services.GetRequiredService<ClusterClient>();
        Assert.NotNull(client.CurrentGateway);
        Assert.Equal(4, await host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("hosted").Add(4));
        await host.StopAsync(cts.Token);
    }

    [Fact]
    public void AddU2plClient_validates_options_listing_every_problem()
    {
        var services = new ServiceCollection();
        services.AddU2plClient(configure: o => o.Gateways = ["no-port", "host:99999"]);
        services.Configure<ClusterOptions>(o => o.ClusterKey = "short");
        using var provider = services.BuildServiceProvider();
        var client = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ClientOptions>>().Value);
        Assert.Equal(2, client.Failures.Count());
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ClusterOptions>>().Value);
    }

    [Fact]
    public async Task Large_float_payload_round_trips_intact()
    {
        var data = new float[8 * 1024 * 1024]; // 32 MiB
        var random = new Random(42);
        for (var i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
        var echoed = await _client.GetGrain<ICounterGrain>("big").Echo(data);
        Assert.Equal(data.Length, echoed.Length);
        Assert.True(data.AsSpan().SequenceEqual(echoed));
    }

    [Fact]
    public async Task Serializable_records_references_and_polymorphic_fields_travel()
    {
        var sample = new Sample
        {
            Name = "s",
            Values = [1, 2, 3],
            Scores = new() { ["x"] = 1.5 },
            Halves = [(Half)1.5, (Half)(-2)],
            Extra = 42L,
        };
        var result = await _client.GetGrain<ICounterGrain>("rec").Transform(sample);
        Assert.Equal("s!", result.Name);
        Assert.Equal([2, 4, 6], result.Values);
        Assert.Equal(1.5, result.Scores["x"]);
        Assert.Equal([(Half)1.5, (Half)(-2)], result.Halves);
        Assert.Equal(42L, result.Extra);
        Assert.NotNull(result.Counter);
        await result.Counter!.Add(7);
        Assert.Equal(7, await _client.GetGrain<ICounterGrain>("rec").Get());
    }

    [Fact]
    public async Task A_client_with_the_wrong_key_is_refused_and_counted()
    {
        var before = _cluster.Silos[0].Metrics.Rejected(global::U2PL.Runtime.Networking.RejectReason.Unauthenticated);
        await Assert.ThrowsAsync<SiloUnavailableException>(() => _cluster.ConnectClientAsync("wrong-key-wrong-key-wrong"));
        Assert.True(_cluster.Silos[0].Metrics.Rejected(global::U2PL.Runtime.Networking.RejectReason.Unauthenticated) > before);
        Assert.Equal(1, await _client.GetGrain<ICounterGrain>("still-serving").Add(1));
    }

    private sealed class ProgressObserver(Action<string, int> onProgress) : IProgressObserver
    {
        public Task OnProgress(string run, int step)
        {
            onProgress(run, step);
            return Task.CompletedTask;
        }
    }
}
