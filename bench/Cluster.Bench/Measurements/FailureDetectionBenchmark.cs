using System.Diagnostics;
using System.Globalization;
using System.Text;
using U2PL.Cluster.Bench.Cluster;
using U2PL.Cluster.Bench.Grains;
using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// Failure detection: three silos with a configured death timeout T; per round, SIGKILL the silo hosting a grain and
/// measure (a) the time until the membership table shows it Dead (<c>IManagementGrain.GetHosts(onlyActive: false)</c>
/// through a client of a surviving silo's gateway, which refreshes the table on the answering silo; polled every 10 ms) and (b) the time until a
/// client's call to that grain answers from another silo (re-activation: a call that fails, or has not answered within
/// 1 s, is given up and a new one made 10 ms later). A replacement silo joins between rounds.
/// </summary>
internal static class FailureDetectionBenchmark
{
    private static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    public static async Task<string> RunAsync(RedisServer redis, BenchSettings settings, TestCertificates? tls, TextWriter log)
    {
        var md = new StringBuilder();
        md.AppendLine($"| death timeout T | detection, median of {settings.Rounds} | detection / T | re-activation, median | detection runs (s) | re-activation runs (s) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var timeout in settings.DeathTimeouts)
        {
            var (detections, reactivations) = await RunWithTimeoutAsync(redis, timeout, settings, tls, log);
            var median = Stats.Median(detections);
            md.AppendLine($"| {Stats.F(timeout)} s | **{Stats.F(median, 2)} s** | {Stats.F(median / timeout, 2)} | {Stats.F(Stats.Median(reactivations), 2)} s | " +
                          $"{Stats.List(detections, 2)} | {Stats.List(reactivations, 2)} |");
        }
        md.AppendLine();
        md.AppendLine("`--death-timeout T` sets Orleans' membership options (`AddU2plSilo`): probe timeout T/4 (0.5–5 s), 3 missed probes, " +
                      "1 vote for a death declaration, table refresh and I-am-alive publication every T/2 (at least 1 s). Each silo probes its " +
                      "monitored peers about once per probe timeout, and a SIGKILLed silo refuses a probe at once, so the third missed probe comes " +
                      "some 2–3 probe periods (T/2 to 3T/4) after the kill; then the declaring silo writes the table. " +
                      "Detection: until `IManagementGrain.GetHosts(onlyActive: false)` (through a client of a surviving silo's gateway) shows the killed silo Dead, polled every 10 ms. " +
                      "Re-activation: until a client call to the grain answers from another silo; an attempt that fails or has not answered within 1 s is given up and retried.");
        return md.ToString();
    }

    private static async Task<(List<double> Detections, List<double> Reactivations)> RunWithTimeoutAsync(
        RedisServer redis, double timeout, BenchSettings settings, TestCertificates? tls, TextWriter log)
    {
        var clusterId = $"f{Guid.NewGuid():N}"[..12];
        var silos = (await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            BenchSilos.StartAsync(redis, clusterId, "all", timeout, settings, tls)))).ToList();
        var detections = new List<double>();
        var reactivations = new List<double>();
        try
        {
            for (var round = 0; round < settings.Rounds; round++)
            {
                var key = $"fd-{round}";
                string holder;
                await using (var first = await ClusterClientHost.ConnectToGatewayAsync(silos[0].GatewayPort, clusterId, TimeSpan.FromMinutes(10), tls))
                {
                    holder = await first.Client.GetGrain<ILocatedGrain>(key).GetSilo();
                }
                var victim = silos.Single(s => s.Hosts(holder));
                // As the old benchmark: the client talks to a surviving gateway, so that what is timed is the cluster's
                // reaction, not a client finding out that its gateway is gone.
                await using var client = await ClusterClientHost.ConnectToGatewayAsync(silos.First(s => s != victim).GatewayPort, clusterId, TimeSpan.FromMinutes(10), tls);
                var management = client.Client.GetGrain<IManagementGrain>(0);
                var grain = client.Client.GetGrain<ILocatedGrain>(key);
                await management.GetHosts(onlyActive: false); // connected, and the grain's location cached, before the kill
                if (!victim.Hosts(await grain.GetSilo())) throw new InvalidOperationException($"{key} moved before the kill.");
                var deadline = TimeSpan.FromSeconds(timeout * 4 + 30);
                var watch = Stopwatch.StartNew();
                victim.Kill();
                var attempts = new List<string>();
                var reactivation = Task.Run(async () =>
                {
                    while (true)
                    {
                        var started = watch.Elapsed;
                        try
                        {
                            // An attempt is abandoned after AttemptTimeout: a call sent to the dead silo before it is
                            // declared dead is answered only at the response timeout (see the log's attempt list).
                            var now = await grain.GetSilo().WaitAsync(AttemptTimeout);
                            if (victim.Hosts(now)) throw new InvalidOperationException($"Answered from the killed silo ({now}).");
                            return watch.Elapsed.TotalSeconds;
                        }
                        catch (Exception e) when (e is not InvalidOperationException && watch.Elapsed < deadline)
                        {
                            attempts.Add($"{Stats.F(started.TotalSeconds, 2)} s: {e.GetType().Name}");
                            await Task.Delay(PollPeriod);
                        }
                    }
                });
                while (!await IsDeclaredDeadAsync(management, victim))
                {
                    if (watch.Elapsed > deadline) throw new TimeoutException($"silo on port {victim.Port} not declared dead after {deadline}");
                    await Task.Delay(PollPeriod);
                }
                detections.Add(watch.Elapsed.TotalSeconds);
                reactivations.Add(await reactivation.WaitAsync(TimeSpan.FromSeconds(120)));
                log.WriteLine($"failure detection T={timeout.ToString(CultureInfo.InvariantCulture)} s round {round + 1}: " +
                              $"declared dead after {Stats.F(detections[^1], 2)} s, re-activated after {Stats.F(reactivations[^1], 2)} s; " +
                              $"{attempts.Count} failed attempt(s){(attempts.Count > 0 ? $", first at {attempts[0]}, last at {attempts[^1]}" : "")}");
                silos.Remove(victim);
                await victim.DisposeAsync();
                silos.Add(await BenchSilos.StartAsync(redis, clusterId, "all", timeout, settings, tls));
            }
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
        return (detections, reactivations);
    }

    private static async Task<bool> IsDeclaredDeadAsync(IManagementGrain management, SiloProcess victim)
    {
        try
        {
            var hosts = await management.GetHosts(onlyActive: false).WaitAsync(TimeSpan.FromSeconds(1));
            return hosts.Any(h => h.Key.Endpoint.Port == victim.Port && h.Value == SiloStatus.Dead);
        }
        catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansException)
        {
            return false; // ask again
        }
    }
}
