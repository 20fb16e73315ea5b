using System.Globalization;

namespace U2PL.Silo;

/// <summary>The flags of <c>u2pl-silo</c>, parsed with every problem reported at once.</summary>
internal sealed record SiloCommandLine
{
    public List<string> Roles { get; init; } = ["all"];
    public int GpuSlots { get; init; }
    public string Cluster { get; init; } = "local";
    public string ClusterId { get; init; } = "u2pl";
    public int Port { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public int HealthPort { get; init; } = 8080;
    public string Host { get; init; } = "127.0.0.1";
    public string Listen { get; init; } = "0.0.0.0";
    public bool DashboardPublic { get; init; }
    public string? DashboardToken { get; init; }
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }
    public string? TlsCa { get; init; }
    public bool Insecure { get; init; }
    public bool Kubernetes { get; init; }
    public double? DeathTimeoutSeconds { get; init; }
    public double? ResponseTimeoutSeconds { get; init; }
    public bool JsonLogs { get; init; }
    public bool Help { get; init; }

    /// <summary>Exit code of a silo that stopped because the cluster declared it dead.</summary>
    public const int DeclaredDeadExitCode = 3;

    public const string Usage =
        """
        u2pl-silo — a silo of the U2PL virtual-actor cluster

          --role gpu|state|all        roles hosted (comma list allowed; default all)
          --gpu-slots N               GPU-slot activations (workers) this silo may host (default 0)
          --cluster local|redis://[:password@]host:port
                                      Redis for membership, grain directory and grain state
                                      (default local: one process, nothing persisted)
          --cluster-id ID             cluster id inside the store (default u2pl)
          --port N                    silo-to-silo port (default 11111)
          --gateway-port N            client gateway port, 0 for none (default 30000)
          --health-port N             HTTP /healthz /readyz /metrics, the Orleans Dashboard at
                                      /dashboard and the run pages at /runs, 0 for none (default 8080)
          --dashboard-public          serve /dashboard and /runs to any address (default: loopback only)
          --dashboard-token TOKEN     require TOKEN for /dashboard and /runs from any address (Authorization:
                                      Bearer TOKEN, or ?token=TOKEN once; env U2PL_DASHBOARD_TOKEN)
          --tls-cert PATH             this silo's certificate (PEM; env U2PL_TLS_CERT)
          --tls-key PATH              its private key (PEM; env U2PL_TLS_KEY)
          --tls-ca PATH               the cluster's CA: every silo and client must present a certificate
                                      it signed (PEM; env U2PL_TLS_CA)
          --insecure                  plain TCP, no peer authentication (a redis cluster needs TLS otherwise)
          --kubernetes                Orleans' Kubernetes hosting: pod name, namespace and IP from the
                                      downward API, dead silos' pods deleted (default when POD_NAME is set)
          --host HOST                 address other silos and clients reach this silo on (default 127.0.0.1)
          --listen ADDRESS            address to bind (default 0.0.0.0)
          --death-timeout SECONDS     time to declare a silent silo dead (default: Orleans' ~12 s)
          --response-timeout SECONDS  default per-call deadline (default 30)
          --log-format json|text      structured JSON logs or plain text (default text)
        """;

    public static (SiloCommandLine Options, List<string> Problems) Parse(string[] args, Func<string, string?> env)
    {
        var problems = new List<string>();
        var result = new SiloCommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            var flag = args[i];
            string Value()
            {
                if (i + 1 < args.Length) return args[++i];
                problems.Add($"{flag} needs a value.");
                return "";
            }
            int Int()
            {
                var text = Value();
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
                problems.Add($"{flag}: '{text}' is not an integer.");
                return 0;
            }
            double Seconds()
            {
                var text = Value();
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0) return v;
                problems.Add($"{flag}: '{text}' is not a positive number of seconds.");
                return 1;
            }
            result = flag switch
            {
                "--role" => result with { Roles = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] },
                "--gpu-slots" => result with { GpuSlots = Int() },
                "--cluster" => result with { Cluster = Value() },
                "--cluster-id" => result with { ClusterId = Value() },
                "--port" => result with { Port = Int() },
                "--gateway-port" => result with { GatewayPort = Int() },
                "--health-port" => result with { HealthPort = Int() },
                "--host" => result with { Host = Value() },
                "--listen" => result with { Listen = Value() },
                "--dashboard-public" => result with { DashboardPublic = true },
                "--dashboard-token" => result with { DashboardToken = Value() },
                "--tls-cert" => result with { TlsCertificate = Value() },
                "--tls-key" => result with { TlsKey = Value() },
                "--tls-ca" => result with { TlsCa = Value() },
                "--insecure" => result with { Insecure = true },
                "--kubernetes" => result with { Kubernetes = true },
                "--death-timeout" => result with { DeathTimeoutSeconds = Seconds() },
                "--response-timeout" => result with { ResponseTimeoutSeconds = Seconds() },
                "--log-format" => result with { JsonLogs = Value() == "json" },
                "--help" or "-h" => result with { Help = true },
                _ => Unknown(flag, problems, result),
            };
        }
        if (!result.Cluster.Equals("local", StringComparison.OrdinalIgnoreCase) && !result.Cluster.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
            problems.Add($"--cluster: '{result.Cluster}' is neither 'local' nor a redis://host:port address.");
        if (result.Roles.Except(["gpu", "state", "all"]).ToList() is { Count: > 0 } unknown)
            problems.Add($"--role: unknown role(s) {string.Join(", ", unknown)} (gpu, state or all).");
        if (result.Port is <= 0 or > 65535) problems.Add($"--port: {result.Port} is not a TCP port.");
        if (result.GatewayPort is < 0 or > 65535) problems.Add($"--gateway-port: {result.GatewayPort} is not a TCP port.");
        if (result.GatewayPort == result.Port) problems.Add($"--gateway-port must differ from --port ({result.Port}).");
        if (result.GpuSlots < 0) problems.Add($"--gpu-slots: {result.GpuSlots} is negative.");
        var tls = result.TlsCertificate ?? result.TlsKey ?? result.TlsCa ?? env("U2PL_TLS_CERT") ?? env("U2PL_TLS_KEY") ?? env("U2PL_TLS_CA");
        if (tls is null && !result.Insecure && !result.Cluster.Equals("local", StringComparison.OrdinalIgnoreCase))
            problems.Add("a cluster silo authenticates its peers: give --tls-cert, --tls-key and --tls-ca (or U2PL_TLS_*), or --insecure for plain TCP.");
        if (tls is not null && result.Insecure) problems.Add("--insecure and TLS files exclude each other.");
        if (result.DashboardToken is null && env("U2PL_DASHBOARD_TOKEN") is { Length: > 0 } token) result = result with { DashboardToken = token };
        if (result.DashboardToken is { Length: < 16 }) problems.Add("--dashboard-token: use at least 16 characters.");
        if (env("POD_NAME") is { Length: > 0 }) result = result with { Kubernetes = true };
        return (result, problems);
    }

    private static SiloCommandLine Unknown(string flag, List<string> problems, SiloCommandLine result)
    {
        problems.Add($"Unknown argument '{flag}'.");
        return result;
    }
}
