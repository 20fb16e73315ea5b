using U2PL.Tests.Cluster;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace U2PL.Client.Tests.Cluster;

/// <summary>One real <c>u2pl-silo</c> with the U2PL grains for the tests of a class.</summary>
public sealed class GrainSiloFixture : IAsyncLifetime
{
    public GrainSiloProcess Silo { get; private set; } = null!;

    public TestCertificates Certificates { get; } = new();

    /// <summary>The environment of a client holding a certificate of the cluster's CA.</summary>
    public Dictionary<string, string> ClientEnvironment { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        Silo = await GrainSiloProcess.StartAsync(gpuSlots: 2, Certificates);
        var (certificate, key, ca) = Certificates.Issue("client");
        // A generous connect deadline: a TLS handshake with a silo busy training on a loaded 2-core machine can take > 10 s.
        ClientEnvironment = new() { ["U2PL_TLS_CERT"] = certificate, ["U2PL_TLS_KEY"] = key, ["U2PL_TLS_CA"] = ca, ["U2PL_CONNECT_TIMEOUT"] = "60" };
    }

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        Certificates.Dispose();
    }
}

/// <summary>
/// <c>u2pl run ...</c> and <c>u2pl cluster status</c> as real processes against a real silo: a run started from the CLI
/// trains to the end, shows in the list and the cluster view; pause, resume, scale, checkpoint and stop act on it; an
/// unknown run id is one clear error.
/// </summary>
public sealed partial class ClusterRunEndToEndTests(GrainSiloFixture fixture) : IClassFixture<GrainSiloFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-cluster-e2e-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ClusterCli.Result U2pl(params string[] arguments) =>
        ClusterCli.Run(fixture.ClientEnvironment, TimeSpan.FromMinutes(6), [.. arguments, "--cluster", fixture.Silo.Gateway]);

    private ClusterCli.Result Ok(params string[] arguments)
    {
        var result = U2pl(arguments);
        Assert.True(result.ExitCode == 0, $"u2pl {string.Join(' ', arguments)}: {result}\nsilo:\n{Tail(fixture.Silo.Output)}");
        return result;
    }

    private JsonElement Status(string runId)
    {
        using var document = JsonDocument.Parse(Ok("run", "status", runId, "--json").Output);
        return document.RootElement.Clone();
    }

    private JsonElement WaitFor(string runId, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = Status(runId);
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: still {status}\nsilo:\n{Tail(fixture.Silo.Output)}");
            Thread.Sleep(1000);
        }
    }

    private static string State(JsonElement status) => status.GetProperty("state").GetString()!;

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    [GeneratedRegex(@"^run-\d{8}-\d{6}-[0-9a-f]{4}$")]
    private static partial Regex RunId();

    [Fact]
    public void A_run_started_from_the_cli_trains_to_the_end_and_shows_in_the_list_and_the_cluster_view()
    {
        var start = Ok("run", "start", "--config", TinyRunConfig.Write(_directory, maxIterations: 6), "--workers", "2");
        var runId = start.Output.Trim();
        Assert.Matches(RunId(), runId); // stdout holds only the id

        var final = WaitFor(runId, s => State(s) is "completed" or "failed" or "stopped", TimeSpan.FromMinutes(5), "run to finish");
        Assert.Equal("completed", State(final));
        Assert.Equal(final.GetProperty("total_iterations").GetInt64(), final.GetProperty("iteration").GetInt64());
        Assert.True(final.GetProperty("supervised_loss").GetDouble() > 0);
        Assert.NotEqual("", final.GetProperty("last_checkpoint").GetString());

        using (var list = JsonDocument.Parse(Ok("run", "list", "--json").Output))
        {
            var mine = list.RootElement.EnumerateArray().Single(r => r.GetProperty("run_id").GetString() == runId);
            Assert.Equal("completed", mine.GetProperty("state").GetString());
        }
        Assert.Contains(runId, Ok("run", "list").Output);

        using (var cluster = JsonDocument.Parse(Ok("cluster", "status", "--json").Output))
        {
            var silo = Assert.Single(cluster.RootElement.GetProperty("silos").EnumerateArray());
            Assert.Equal(2, silo.GetProperty("gpu_slots").GetInt32());
            Assert.Equal("S127.0.0.1", silo.GetProperty("address").GetString()!.Split(':')[0]); // Orleans' silo address: S<ip>:<port>:<incarnation>
            Assert.Equal(2, cluster.RootElement.GetProperty("gpu_slots").GetInt32());
        }
        Assert.Contains("gpu slots", Ok("cluster", "status").Output);

        var log = Ok("run", "events", runId, "--json").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        var events = log.Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("started", events);
        Assert.Contains("completed", events);
        // 6 of the first epoch's 12 iterations (24 unlabeled, batch 2): the final evaluation is of epoch 1, where max_iterations ended the run.
        var evaluated = log.Single(e => e.GetProperty("kind").GetString() == "evaluated").GetProperty("message").GetString();
        Assert.StartsWith("epoch 1: val mIoU", evaluated);

        var watched = Ok("run", "status", runId, "--watch"); // a finished run: one line, then done
        Assert.Contains("completed", watched.Output);
    }

    [Fact]
    public void Pause_resume_scale_checkpoint_and_stop_act_on_a_running_run()
    {
        var runId = Ok("run", "start", "--config", TinyRunConfig.Write(_directory, maxIterations: 400, epochs: 40), "--workers", "1").Output.Trim();
        WaitFor(runId, s => s.GetProperty("iteration").GetInt64() >= 1, TimeSpan.FromMinutes(3), "a first step");

        Ok("run", "pause", runId);
        WaitFor(runId, s => State(s) == "paused", TimeSpan.FromMinutes(1), "paused");
        Ok("run", "resume", runId);
        WaitFor(runId, s => State(s) is "warm_up" or "semi", TimeSpan.FromMinutes(1), "running again");

        var scaled = Ok("run", "scale", runId, "--workers", "2");
        Assert.Contains("workers 2", scaled.Output);
        WaitFor(runId, s => s.GetProperty("workers").EnumerateArray().Count(w => w.GetProperty("state").GetString() == "training") == 2,
            TimeSpan.FromMinutes(2), "a second worker training");

        var checkpoint = Ok("run", "checkpoint", runId).Output.Trim();
        Assert.True(File.Exists(checkpoint) || Directory.Exists(checkpoint), $"checkpoint {checkpoint} not found");

        Ok("run", "stop", runId);
        var stopped = WaitFor(runId, s => State(s) is "stopped" or "completed" or "failed", TimeSpan.FromMinutes(2), "stopped");
        Assert.Equal("stopped", State(stopped));
        var follow = Ok("run", "events", runId, "--follow"); // ends at once: the run is over
        Assert.Contains("[stopped]", follow.Output);
    }

    [Fact]
    public void A_run_whose_initial_weights_cannot_be_read_is_refused_naming_the_file_and_the_silo_keeps_serving()
    {
        // The shards load net.pretrained when the run starts; the error must cross the grain boundary as a message.
        // The graph exists (the client's validation passes) without the package's preprocessing graph beside it: only
        // the silo finds out.
        var graph = Path.Combine(_directory, "ResNet18Onnx", "ResNet18.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(graph)!);
        File.WriteAllBytes(graph, Enumerable.Repeat((byte)0xFF, 16).ToArray());
        var result = U2pl("run", "start", "--config", TinyRunConfig.Write(_directory, maxIterations: 2), "--set", $"net.pretrained={graph}");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"the run's initial weights: {Path.Combine(_directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx")}: no such file", result.Error);
        Assert.DoesNotContain("CodecNotFound", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Equal("", result.Output.Trim()); // no run id
        Assert.Contains("active", Ok("cluster", "status").Output);
    }

    [Fact]
    public void An_unknown_run_is_one_clear_error()
    {
        foreach (var command in new[] { new[] { "run", "status", "run-00000000-000000-dead" }, ["run", "stop", "run-00000000-000000-dead"], ["run", "events", "run-00000000-000000-dead"] })
        {
            var result = U2pl(command);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Equal("error: unknown run 'run-00000000-000000-dead'", result.Error.Trim());
        }
    }

    [Fact]
    public void A_client_without_a_certificate_of_the_cluster_CA_is_refused_with_one_clear_error_and_the_silo_keeps_serving()
    {
        using var other = new TestCertificates("another CA");
        var (certificate, key, ca) = other.Issue("intruder");
        var clients = new[]
        {
            ("no certificate", new Dictionary<string, string>()),
            ("another CA's certificate", new Dictionary<string, string> { ["U2PL_TLS_CERT"] = certificate, ["U2PL_TLS_KEY"] = key, ["U2PL_TLS_CA"] = ca }),
        };
        foreach (var (what, environment) in clients)
        {
            var result = ClusterCli.Run(environment, TimeSpan.FromMinutes(1), "cluster", "status", "--cluster", fixture.Silo.Gateway);
            Assert.True(result.ExitCode == 1, $"{what}: {result}");
            Assert.StartsWith($"error: cannot reach the cluster at {fixture.Silo.Gateway}: ", result.Error);
            Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.Contains("active", Ok("cluster", "status").Output);
    }

    [Fact]
    public async Task Garbage_bytes_on_the_gateway_are_refused_and_the_silo_keeps_serving()
    {
        using var peer = new System.Net.Sockets.TcpClient();
        await peer.ConnectAsync("127.0.0.1", fixture.Silo.GatewayPort);
        var stream = peer.GetStream();
        var garbage = new byte[64 << 10];
        new Random(7).NextBytes(garbage);
        try
        {
            await stream.WriteAsync(garbage);
            var buffer = new byte[4096];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await stream.ReadAsync(buffer, deadline.Token) > 0)
            {
                // whatever a TLS server answers a non-TLS peer, then it closes
            }
        }
        catch (IOException)
        {
            // reset by the silo: refused
        }
        Assert.Contains("active", Ok("cluster", "status").Output);
    }

    [Fact]
    public void A_config_the_cluster_refuses_is_reported_and_starts_nothing()
    {
        // Valid for the local reader, so it reaches the run grain: a checkpoint to resume from that does not exist.
        var result = U2pl("run", "start", "--config", TinyRunConfig.Write(_directory, maxIterations: 2), "--resume", Path.Combine(_directory, "missing.safetensors"));
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("error: ", result.Error);
        Assert.Contains("missing.safetensors", result.Error);
        Assert.Equal("", result.Output.Trim());
    }
}
