using System.Diagnostics;
using System.Text;
using System.Text.Json;
using U2PL.Tests.Cluster;

namespace U2PL.Client.Tests.Cluster;

/// <summary>
/// A real <c>u2pl-silo</c> exporting over OTLP to an in-test receiver, with one tiny run started from the CLI that has
/// been evaluated once and is then paused (so its iteration holds still while a test compares it with the status).
/// </summary>
public sealed class MetricsSiloFixture : IAsyncLifetime
{
    public const string ServiceName = "u2pl-metrics-test";

    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-metrics-").FullName;

    public OtlpReceiver Otlp { get; } = new();

    public TestCertificates Certificates { get; } = new();

    public GrainSiloProcess Silo { get; private set; } = null!;

    public Dictionary<string, string> ClientEnvironment { get; private set; } = [];

    public string RunId { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Silo = await GrainSiloProcess.StartAsync(gpuSlots: 1, Certificates, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Otlp.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_SERVICE_NAME"] = ServiceName,
        });
        var (certificate, key, ca) = Certificates.Issue("client");
        ClientEnvironment = new() { ["U2PL_TLS_CERT"] = certificate, ["U2PL_TLS_KEY"] = key, ["U2PL_TLS_CA"] = ca, ["U2PL_CONNECT_TIMEOUT"] = "60" };
        // 8 scenes, 4 labeled: an epoch is 2 steps, so the first evaluation comes early.
        var config = TinyRunConfig.Write(_directory, maxIterations: 400, epochs: 200, trainCount: 8, labeled: 4);
        RunId = U2pl("run", "start", "--config", config, "--workers", "1").Output.Trim();
        WaitFor(s => s.GetProperty("last_mean_iou").ValueKind == JsonValueKind.Number, "a first evaluation");
        U2pl("run", "pause", RunId);
        WaitFor(s => s.GetProperty("state").GetString() == "paused", "the run to pause");
        // Two exports after the pause began, so the receiver holds the series of the live run (not asserted here).
        var exports = Otlp.Metrics.Count;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Otlp.Metrics.Count < exports + 2 && DateTime.UtcNow < deadline) await Task.Delay(200);
    }

    internal ClusterCli.Result U2pl(params string[] arguments)
    {
        var result = ClusterCli.Run(ClientEnvironment, TimeSpan.FromMinutes(3), [.. arguments, "--cluster", Silo.Gateway]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"u2pl {string.Join(' ', arguments)}: {result}\nsilo:\n{Tail(Silo.Output)}");
        return result;
    }

    public JsonElement Status()
    {
        using var document = JsonDocument.Parse(U2pl("run", "status", RunId, "--json").Output);
        return document.RootElement.Clone();
    }

    public JsonElement WaitFor(Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            var status = Status();
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: still {status}\nsilo:\n{Tail(Silo.Output)}");
            Thread.Sleep(500);
        }
    }

    public static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Otlp.DisposeAsync();
        Certificates.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>
/// Issue 14 §3: the silo's <c>/metrics</c> parses as Prometheus text (read by the official Python client's parser,
/// <c>check_prometheus_text.py</c>) and carries the training series of a run with its id and the status' values; a
/// stopped run's series go; the same metrics and Orleans' arrive over OTLP.
/// </summary>
public sealed class SiloMetricsTests(MetricsSiloFixture fixture) : IClassFixture<MetricsSiloFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_and_carry_the_runs_training_series_until_it_stops()
    {
        var status = fixture.Status();
        Assert.Equal("paused", status.GetProperty("state").GetString());
        var families = await ScrapeAsync();
        Assert.Contains(families, f => f.Name.StartsWith("orleans_", StringComparison.Ordinal));

        Assert.Equal((double)status.GetProperty("iteration").GetInt64(), Single(families, "u2pl_training_iteration", "gauge").Value);
        var losses = Of(families, "u2pl_training_loss", "gauge").ToDictionary(s => s.Labels["u2pl_loss_kind"], s => s.Value);
        Assert.Equal(new[] { "contrastive", "supervised", "unsupervised" }, losses.Keys.Order());
        Assert.True(losses["supervised"] > 0, $"Ls {losses["supervised"]}");
        Assert.All(losses.Values, l => Assert.True(double.IsFinite(l) && l >= 0, $"loss {l}"));
        Assert.Equal(status.GetProperty("supervised_loss").GetDouble(), losses["supervised"], 12);
        Assert.Equal(status.GetProperty("unsupervised_loss").GetDouble(), losses["unsupervised"], 12);
        Assert.Equal(status.GetProperty("learning_rate").GetDouble(), Single(families, "u2pl_training_learning_rate", "gauge").Value, 12);
        Assert.Equal(status.GetProperty("alpha").GetDouble(), Single(families, "u2pl_training_alpha_ratio", "gauge", unit: "ratio").Value, 12);
        Assert.True(Single(families, "u2pl_training_images", "counter", unit: "", suffix: "_total").Value > 0);
        Assert.True(Single(families, "u2pl_training_throughput_per_second", "gauge", unit: "per_second").Value >= 0);
        Assert.Equal(1.0, Single(families, "u2pl_training_desired_workers", "gauge").Value);
        Assert.Contains(Of(families, "u2pl_training_workers", "gauge"), s => s.Labels["u2pl_worker_state"] == "training");
        Assert.Equal((double)status.GetProperty("stale_gradients").GetInt64(), Single(families, "u2pl_training_stale_gradients", "counter", suffix: "_total").Value);
        var iou = Single(families, "u2pl_evaluation_mean_iou_ratio", "gauge", unit: "ratio").Value;
        Assert.Equal(status.GetProperty("last_mean_iou").GetDouble(), iou, 12);
        Assert.InRange(iou, 0, 1);
        var fill = Of(families, "u2pl_memory_bank_fill", "gauge").ToDictionary(s => int.Parse(s.Labels["u2pl_class_index"]), s => (long)s.Value);
        Assert.Equal(status.GetProperty("bank_fill").EnumerateArray().Select(e => e.GetInt64()).ToList(), fill.OrderBy(f => f.Key).Select(f => f.Value).ToList());
        Assert.All(Of(families, "u2pl_memory_bank_capacity", "gauge"), s => Assert.Equal(500.0, s.Value));

        fixture.U2pl("run", "stop", fixture.RunId);
        fixture.WaitFor(s => s.GetProperty("state").GetString() == "stopped", "the run to stop");
        var after = await ScrapeAsync();
        Assert.DoesNotContain(after.SelectMany(f => f.Samples), s => s.Labels.GetValueOrDefault("u2pl_run_id") == fixture.RunId);
        // Nor does OpenTelemetry's cumulative export repeat the retired series: the next exports lack the run id.
        var exports = fixture.Otlp.Metrics.Count;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (fixture.Otlp.Metrics.Count < exports + 2 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(fixture.Otlp.Metrics.Count >= exports + 2, "no OTLP export after the stop");
        Assert.DoesNotContain(fixture.RunId, Encoding.UTF8.GetString(fixture.Otlp.Metrics[^1]));
    }

    [Fact]
    public async Task The_training_metrics_and_orleans_metrics_arrive_over_otlp()
    {
        string[] expected =
        [
            "u2pl.training.loss", "u2pl.loss.kind", "supervised", "u2pl.training.iteration", "u2pl.training.images",
            "u2pl.training.learning_rate", "u2pl.memory_bank.fill", "u2pl.evaluation.mean_iou", "u2pl.run.id", fixture.RunId,
            "orleans-", MetricsSiloFixture.ServiceName,
        ];
        // The fixture's run was live for several exports; a body that names everything may still be on its way.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!fixture.Otlp.Metrics.Any(b => Holds(b, expected)) && DateTime.UtcNow < deadline) await Task.Delay(200);
        var bodies = fixture.Otlp.Metrics;
        Assert.NotEmpty(bodies);
        // An OTLP/protobuf body carries names and attribute values as plain UTF-8 strings.
        var body = bodies.FirstOrDefault(b => Holds(b, expected)) ?? bodies[^1];
        Assert.All(expected, s => Assert.Contains(s, Encoding.UTF8.GetString(body)));
    }

    private static bool Holds(byte[] body, string[] strings)
    {
        var text = Encoding.UTF8.GetString(body);
        return strings.All(s => text.Contains(s, StringComparison.Ordinal));
    }

    private async Task<List<Family>> ScrapeAsync()
    {
        var text = await Http.GetStringAsync($"http://127.0.0.1:{fixture.Silo.HealthPort}/metrics");
        var script = Path.Combine(U2plProcess.RepositoryRoot, "tests", "Client.Tests", "Cluster", "check_prometheus_text.py");
        var start = new ProcessStartInfo("/usr/bin/python3", [script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0,
            $"/metrics is not strict Prometheus text (check_prometheus_text.py needs Debian's python3-prometheus-client; scripts/install-deps.sh installs it):\n{await errors}\n{MetricsSiloFixture.Tail(text)}");
        return JsonSerializer.Deserialize<List<Family>>(await output, JsonOptions)!;
    }

    /// <summary>The run's samples of a family, checking its type and unit (the parser names a counter's family without _total).</summary>
    private List<Sample> Of(List<Family> families, string name, string type, string unit = "", string suffix = "")
    {
        var family = families.SingleOrDefault(f => f.Name == name);
        Assert.True(family is not null, $"no family {name} in {string.Join(", ", families.Select(f => f.Name))}");
        Assert.Equal(type, family!.Type);
        Assert.Equal(unit, family.Unit);
        Assert.False(string.IsNullOrWhiteSpace(family.Help));
        var samples = family.Samples.Where(s => s.Labels.GetValueOrDefault("u2pl_run_id") == fixture.RunId).ToList();
        Assert.NotEmpty(samples);
        Assert.All(samples, s => Assert.Equal(name + suffix, s.Name));
        return samples;
    }

    private Sample Single(List<Family> families, string name, string type, string unit = "", string suffix = "") =>
        Assert.Single(Of(families, name, type, unit, suffix));

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private sealed record Family(string Name, string Type, string Help, string Unit, List<Sample> Samples);

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
