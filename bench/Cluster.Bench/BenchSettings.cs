using System.Globalization;

namespace U2PL.Cluster.Bench;

/// <summary>The benchmark's command line.</summary>
internal sealed record BenchSettings
{
    public string Mode { get; init; } = "all";
    public int Repeats { get; init; } = 5;
    public int Calls { get; init; } = 20_000;
    public int Concurrency { get; init; } = 64;
    public int ThroughputTargets { get; init; } = 16;
    public double ThroughputSeconds { get; init; } = 3;
    public int PayloadMiB { get; init; } = 256;
    public int ChunkMiB { get; init; } = 4;
    public List<double> DeathTimeouts { get; init; } = [2, 5];
    public int Rounds { get; init; } = 5;
    public bool FloatArray { get; init; } = true;
    public int InFlight { get; init; } = 4;
    public bool Tls { get; init; }
    public bool DataPlane { get; init; }
    public bool LatencyUnderTransfer { get; init; }
    public int Samples { get; init; } = 400;
    public int MinTransfers { get; init; } = 3;
    public double TransferMiBps { get; init; }
    public double PhaseSeconds { get; init; } = 120;
    public bool Json { get; init; }
    public string? Markdown { get; init; }
    public List<string> SiloEnvironment { get; init; } = [];

    public const string Usage =
        """
        U2PL.Cluster.Bench [calls|payload|failover|all] [options]   (default: all; codec: the serializer alone, no cluster)
        U2PL.Cluster.Bench silo <u2pl-silo flags>                 (a silo hosting the benchmark grains; started by the benchmark)
          --repeats N            runs per figure (default 5)
          --calls N              sequential calls per latency run (default 20000)
          --concurrency N        calls in flight for throughput (default 64), over --targets N grains (default 16)
          --seconds S            throughput run length (default 3)
          --payload-mib N        payload size (default 256), --chunk-mib N chunk size for the chunked variant (default 4)
          --in-flight N          calls outstanding in the pipelined chunked variant (default 4; 0 skips it)
          --no-float-array       skip the float[] (element-wise) row of the payload benchmark
          --tls                  mutual TLS between silos and clients (certificates from a CA made for the run; default plain TCP)
          --data-plane           payload through the tensor data plane (no cluster) vs a raw socket copy (raw TLS copy with --tls)
          --latency-under-transfer  grain-call latency between two silos idle, while --payload-mib blocks go back to back
                                 through the data plane between them, and while they go as grain calls (issue 22)
          --samples N            timed calls per phase of --latency-under-transfer (default 400), --min-transfers N
                                 transfers that complete while they run (default 3), --phase-seconds S at most per
                                 phase (default 120), --transfer-mib-s R transfers spaced to average R MiB/s (default: back to back)
          --json                 print one JSON object with the ratios as the last line (with --data-plane, --latency-under-transfer)
          --death-timeouts LIST  failure-detection timeouts in seconds (default 2,5), --rounds N kills each (default 5)
          --silo-env NAME=VALUE  environment variable for the silo processes (repeatable), e.g. DOTNET_gcServer=1
          --markdown PATH        also write the result tables there
        """;

    /// <summary>The <c>--silo-env</c> variables as name/value pairs.</summary>
    public IEnumerable<KeyValuePair<string, string>> SiloEnvironmentVariables() => SiloEnvironment.Select(variable =>
    {
        var eq = variable.IndexOf('=');
        return eq > 0 ? KeyValuePair.Create(variable[..eq], variable[(eq + 1)..]) : throw new ArgumentException($"--silo-env {variable}: expected NAME=VALUE.");
    });

    public static BenchSettings Parse(string[] args)
    {
        var s = new BenchSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string V() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int I() => int.Parse(V(), CultureInfo.InvariantCulture);
            s = args[i] switch
            {
                "calls" or "payload" or "failover" or "codec" or "all" => s with { Mode = args[i] },
                "--repeats" => s with { Repeats = I() },
                "--calls" => s with { Calls = I() },
                "--concurrency" => s with { Concurrency = I() },
                "--targets" => s with { ThroughputTargets = I() },
                "--seconds" => s with { ThroughputSeconds = double.Parse(V(), CultureInfo.InvariantCulture) },
                "--payload-mib" => s with { PayloadMiB = I() },
                "--chunk-mib" => s with { ChunkMiB = I() },
                "--death-timeouts" => s with { DeathTimeouts = [.. V().Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture))] },
                "--rounds" => s with { Rounds = I() },
                "--no-float-array" => s with { FloatArray = false },
                "--in-flight" => s with { InFlight = I() },
                "--tls" => s with { Tls = true },
                "--data-plane" => s with { DataPlane = true },
                "--latency-under-transfer" => s with { LatencyUnderTransfer = true },
                "--samples" => s with { Samples = I() },
                "--min-transfers" => s with { MinTransfers = I() },
                "--phase-seconds" => s with { PhaseSeconds = double.Parse(V(), CultureInfo.InvariantCulture) },
                "--transfer-mib-s" => s with { TransferMiBps = double.Parse(V(), CultureInfo.InvariantCulture) },
                "--json" => s with { Json = true },
                "--markdown" => s with { Markdown = V() },
                "--silo-env" => s with { SiloEnvironment = [.. s.SiloEnvironment, V()] },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'.\n{Usage}"),
            };
        }
        return s;
    }
}
