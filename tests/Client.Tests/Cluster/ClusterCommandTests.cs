using System.Net;
using System.Net.Sockets;

namespace U2PL.Client.Tests.Cluster;

/// <summary>The cluster commands' behaviour that needs no cluster: help, local config validation, unreachable gateways.</summary>
public sealed class ClusterCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-cluster-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Dictionary<string, string> NoEnvironment => [];

    public static TheoryData<string, string> Commands => new()
    {
        { "run", "start" },
        { "run start", "--config" },
        { "run list", "--json" },
        { "run status", "--watch" },
        { "run scale", "--workers" },
        { "run pause", "<run>" },
        { "run resume", "<run>" },
        { "run stop", "<run>" },
        { "run checkpoint", "<run>" },
        { "run events", "--follow" },
        { "cluster status", "--json" },
        { "demo", "--no-scale" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_cluster_command_has_help(string command, string mentions)
    {
        var result = ClusterCli.Run([.. command.Split(' '), "--help"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Output);
        Assert.Contains(mentions, result.Output);
        if (command != "run" && command != "demo") Assert.Contains("--cluster", result.Output);
    }

    [Fact]
    public void A_bad_config_lists_every_problem_and_nothing_reaches_the_cluster()
    {
        var config = Path.Combine(_directory, "bad.yaml");
        File.WriteAllText(config, """
            dataset:
              type: synthetic
              batch_size: 0
            criterion: { type: focal }
            trainer_typo: 3
            """);
        using var gateway = new TcpListener(IPAddress.Loopback, 0);
        gateway.Start();
        var port = ((IPEndPoint)gateway.LocalEndpoint).Port;

        var result = ClusterCli.Run(NoEnvironment, TimeSpan.FromMinutes(1), "run", "start", "--config", config, "--set", "trainer.epochs=abc",
            "--cluster", $"127.0.0.1:{port}");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("trainer.epochs: expected an integer, got 'abc'", result.Error);
        Assert.Contains("dataset.batch_size must be at least 1, got 0", result.Error);
        Assert.Contains("criterion.type: expected one of ce, ohem, got 'focal'", result.Error);
        Assert.Contains("trainer_typo: unknown key", result.Error);
        Assert.Equal("", result.Output.Trim()); // no run id
        Assert.False(gateway.Pending(), "the client connected to the cluster although the config is invalid");
    }

    [Fact]
    public void An_unreachable_cluster_fails_within_seconds_with_one_clear_line()
    {
        int port;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((IPEndPoint)closed.LocalEndpoint).Port;
        }
        var unreachable = $"127.0.0.1:{port}";
        foreach (var command in new[] { new[] { "run", "list" }, ["cluster", "status"], ["run", "status", "run-x"] })
        {
            var result = ClusterCli.Run(NoEnvironment, TimeSpan.FromSeconds(60), [.. command, "--cluster", unreachable]);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), result.ToString()); // the 10 s connect deadline, and the process
            var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("error: cannot reach the cluster at " + unreachable, lines[0]);
            Assert.DoesNotContain("   at ", result.Error); // no stack trace
        }
    }

    [Fact]
    public void A_silent_gateway_fails_within_the_connect_deadline()
    {
        // A listener that accepts but never answers the handshake.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var gateway = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        var result = ClusterCli.Run(NoEnvironment, TimeSpan.FromSeconds(60), "cluster", "status", "--cluster", gateway);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), result.ToString());
        Assert.StartsWith("error: cannot reach the cluster at " + gateway, result.Error);
    }

    [Fact]
    public void The_gateways_come_from_U2PL_CLUSTER_and_TLS_needs_a_certificate_its_key_and_the_CA()
    {
        var partial = ClusterCli.Run(null, TimeSpan.FromSeconds(30), "run", "list", "--tls-cert", Path.Combine(_directory, "client.crt"));
        Assert.Equal(1, partial.ExitCode);
        Assert.Contains("error: TLS needs a certificate, its key and the cluster's CA: --tls-key, --tls-ca missing", partial.Error);

        var missing = Path.Combine(_directory, "missing.crt");
        var unreadable = ClusterCli.Run(null, TimeSpan.FromSeconds(30), "run", "list", "--tls-cert", missing, "--tls-key", missing, "--tls-ca", missing);
        Assert.Equal(1, unreadable.ExitCode);
        Assert.Contains($"error: TLS file not found: {missing}", unreadable.Error);

        var fromEnv = ClusterCli.Run(new Dictionary<string, string> { ["U2PL_CLUSTER"] = "127.0.0.1:9,127.0.0.1:10" }, TimeSpan.FromSeconds(60),
            "run", "list");
        Assert.Equal(1, fromEnv.ExitCode);
        Assert.StartsWith("error: cannot reach the cluster at 127.0.0.1:9, 127.0.0.1:10", fromEnv.Error);

        var bad = ClusterCli.Run(NoEnvironment, TimeSpan.FromSeconds(30), "run", "list", "--cluster", "nohost");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("error: --cluster: 'nohost' is not HOST:PORT", bad.Error);
    }

    [Fact]
    public void Workers_must_be_a_positive_count_or_auto()
    {
        var result = ClusterCli.Run(NoEnvironment, TimeSpan.FromSeconds(30), "run", "scale", "run-x", "--workers", "0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--workers expects a count of at least 1 or 'auto', got '0'", result.Error);
    }
}
