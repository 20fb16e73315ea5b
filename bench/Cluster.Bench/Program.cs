using System.Globalization;
using System.Reflection;
using System.Text;
using U2PL.Cluster.Bench;
using U2PL.Cluster.Bench.Hosting;
using U2PL.Cluster.Bench.Measurements;
using U2PL.Tests.Cluster;

// Cluster benchmarks on Orleans (issue 4 point 8, issue 12). Wrap runs in `flock /tmp/u2pl-bench.lock ...` on shared machines.
if (args is ["silo", .. var siloFlags]) return await BenchSilo.RunAsync(siloFlags);
if (args is ["raw-sink", var sinkPort, .. var sinkMode])
{
    return await RawTcpCopy.RunSinkAsync(int.Parse(sinkPort, CultureInfo.InvariantCulture), sinkMode is ["reuse", ..], BenchTls.FromArguments(sinkMode));
}
if (args is ["dp-sink", var dataPlanePort, .. var dataPlaneMode]) return await DataPlaneSink.RunAsync(int.Parse(dataPlanePort, CultureInfo.InvariantCulture), BenchTls.FromArguments(dataPlaneMode));
if (args is ["--help" or "-h"])
{
    Console.WriteLine(BenchSettings.Usage);
    return 0;
}

var settings = BenchSettings.Parse(args);
var log = Console.Out;
var report = new StringBuilder();
var orleansVersion = typeof(Orleans.Grain).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0].TrimEnd('.');
report.AppendLine($"<!-- U2PL.Cluster.Bench {string.Join(' ', args)}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; " +
                  $"{Environment.ProcessorCount} cores; .NET {Environment.Version}; Orleans {orleansVersion}; " +
                  $"{(settings.Tls ? "mutual TLS" : "plain TCP")} -->");
if (settings.Mode is "codec")
{
    var (serialize, deserialize) = CodecBenchmark.Run((long)settings.PayloadMiB << 20, settings.Repeats);
    Console.WriteLine($"{settings.PayloadMiB} MiB RawFloats: serialize {Stats.List(serialize, 3)} s, deserialize {Stats.List(deserialize, 3)} s");
    return 0;
}
if (settings is { Mode: "payload", DataPlane: true })
{
    using var certificates = settings.Tls ? new TestCertificates("u2pl bench CA") : null;
    var (markdown, json) = await DataPlaneBenchmark.RunAsync(settings, certificates is null ? null : new BenchTls(certificates), log);
    report.AppendLine($"### Data plane: {settings.PayloadMiB} MiB of float32 vs a raw {(settings.Tls ? "TLS " : "")}socket copy").AppendLine().AppendLine(markdown);
    Console.WriteLine();
    Console.WriteLine(report);
    if (settings.Markdown is { } dataPlaneReport) await File.WriteAllTextAsync(dataPlaneReport, report.ToString());
    if (settings.Json) Console.WriteLine(json);
    return 0;
}
await using var redis = await RedisServer.StartAsync();
using var tls = settings.Tls ? new TestCertificates("u2pl bench CA") : null;
if (settings is { Mode: "payload", LatencyUnderTransfer: true })
{
    await using var cluster = await TwoSiloCluster.StartAsync(redis, settings, tls);
    var (markdown, json) = await LatencyUnderTransferBenchmark.RunAsync(cluster, settings, log);
    report.AppendLine($"### Grain-call latency between two silos while {settings.PayloadMiB} MiB transfers run").AppendLine().AppendLine(markdown);
    Console.WriteLine();
    Console.WriteLine(report);
    if (settings.Markdown is { } latencyReport) await File.WriteAllTextAsync(latencyReport, report.ToString());
    if (settings.Json) Console.WriteLine(json);
    return 0;
}
if (settings.Mode is "calls" or "payload" or "all")
{
    await using var cluster = await TwoSiloCluster.StartAsync(redis, settings, tls);
    if (settings.Mode is "calls" or "all")
    {
        report.AppendLine("### Grain calls between two silos (small messages)").AppendLine();
        report.AppendLine(await CallBenchmark.RunAsync(cluster, settings, log));
    }
    if (settings.Mode is "payload" or "all")
    {
        report.AppendLine($"### Large payload: {settings.PayloadMiB} MiB of float32, Orleans vs raw TCP").AppendLine();
        report.AppendLine(await PayloadBenchmark.RunAsync(cluster, settings, log));
    }
}
if (settings.Mode is "failover" or "all")
{
    report.AppendLine("### Failure detection (SIGKILL) vs the configured death timeout").AppendLine();
    report.AppendLine(await FailureDetectionBenchmark.RunAsync(redis, settings, tls, log));
}
Console.WriteLine();
Console.WriteLine(report);
if (settings.Markdown is { } path) await File.WriteAllTextAsync(path, report.ToString());
return 0;
