using System.Diagnostics;
using System.Globalization;
using System.Text;
using U2PL.Runtime.Bench.Cluster;
using U2PL.Runtime.Bench.Grains;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Tests.Fixtures;

namespace U2PL.Runtime.Bench.Measurements;

/// <summary>
/// Failure detection: three silos with a configured death timeout T; per round, SIGKILL the silo hosting a grain and
/// measure (a) the time until the membership table shows it dead (polled every 10 ms) and (b) the time until a
/// client's call to that grain answers from another silo (re-activation). A replacement silo joins between rounds.
/// </summary>
internal static class FailureDetectionBenchmark
{
    public static async Task<string> RunAsync(PostgresServer postgres, BenchSettings settings, TextWriter log)
    {
        var md = new StringBuilder();
        md.AppendLine($"| death timeout T | detection, median of {settings.Rounds} | detection / T | re-activation, median | detection runs (s) | re-activation runs (s) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var timeout in settings.DeathTimeouts)
        {
            var (detections, reactivations) = await RunWithTimeoutAsync(postgres, timeout, settings, log);
            var median = Stats.Median(detections);
            md.AppendLine($"| {Stats.F(timeout)} s | **{Stats.F(median, 2)} s** | {Stats.F(median / timeout, 2)} | {Stats.F(Stats.Median(reactivations), 2)} s | " +
                          $"{Stats.List(detections, 2)} | {Stats.List(reactivations, 2)} |");
        }
        md.AppendLine();
        md.AppendLine("The silo sets heartbeat and table-refresh periods to min(1 s, T/4) and the probe timeout to min(2 s, T/3) " +
                      "(`u2pl-silo --death-timeout`). Detection is bounded by T + refresh period + probe time after the last heartbeat, " +
                      "which comes up to one heartbeat period before the kill.");
        return md.ToString();
    }

    private static async Task<(List<double> Detections, List<double> Reactivations)> RunWithTimeoutAsync(
        PostgresServer postgres, double timeout, BenchSettings settings, TextWriter log)
    {
        var clusterId = $"f{Guid.NewGuid():N}"[..12];
        var silos = (await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            BenchSilos.StartAsync(postgres, clusterId, "all", timeout, settings)))).ToList();
        await using var store = new PostgresClusterStore(postgres.ConnectionString, clusterId);
        var detections = new List<double>();
        var reactivations = new List<double>();
        try
        {
            for (var round = 0; round < settings.Rounds; round++)
            {
                var key = $"fd-{round}";
                var holder = await CallAsync(silos[0].Gateway, clusterId, c => c.GetGrain<ILocatedGrain>(key).GetSilo());
                var victim = silos.Single(s => s.Hosts(holder));
                var survivor = silos.First(s => s != victim);
                await using var client = await ConnectAsync(survivor.Gateway, clusterId);
                var grain = client.GetGrain<ILocatedGrain>(key);
                var watch = Stopwatch.StartNew();
                victim.Kill();
                var reactivation = Task.Run(async () =>
                {
                    var now = await grain.GetSilo();
                    if (victim.Hosts(now)) throw new InvalidOperationException("Answered from the killed silo.");
                    return watch.Elapsed.TotalSeconds;
                });
                while (true)
                {
                    var snapshot = await store.ReadAllAsync(CancellationToken.None);
                    if (snapshot.Entries.Any(e => e.Silo.Port == victim.Port && e.Status == SiloStatus.Dead)) break;
                    if (watch.Elapsed > TimeSpan.FromSeconds(timeout * 4 + 10)) throw new TimeoutException($"{victim.Port} not declared dead");
                    await Task.Delay(10);
                }
                detections.Add(watch.Elapsed.TotalSeconds);
                reactivations.Add(await reactivation.WaitAsync(TimeSpan.FromSeconds(60)));
                log.WriteLine($"failure detection T={timeout.ToString(CultureInfo.InvariantCulture)} s round {round + 1}: " +
                              $"declared dead after {Stats.F(detections[^1], 2)} s, re-activated after {Stats.F(reactivations[^1], 2)} s");
                silos.Remove(victim);
                await victim.DisposeAsync();
                silos.Add(await BenchSilos.StartAsync(postgres, clusterId, "all", timeout, settings));
            }
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
        return (detections, reactivations);
    }

    private static async Task<ClusterClient> ConnectAsync(string gateway, string clusterId)
    {
        var client = new ClusterClient(new ClientOptions { Gateways = [gateway] }, new ClusterOptions { ClusterId = clusterId, ClusterKey = BenchSilos.Key },
            new MessagingOptions { ResponseTimeout = TimeSpan.FromSeconds(60), MaxRetries = 40 });
        await client.ConnectAsync();
        return client;
    }

    private static async Task<T> CallAsync<T>(string gateway, string clusterId, Func<ClusterClient, Task<T>> call)
    {
        await using var client = await ConnectAsync(gateway, clusterId);
        return await call(client);
    }
}
