using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using U2PL.Grains.Hosting;

namespace U2PL.Silo;

/// <summary>
/// The flags of <c>u2pl-silo</c>: a thin layer over configuration. The silo's own settings become keys of the section
/// <c>U2pl:Silo</c> (<see cref="U2plSiloOptions"/>, validated by <see cref="U2plSiloOptionsValidator"/>); what only
/// this host has (health port, dashboard access, Kubernetes hosting, log format) is kept here. Syntax errors
/// (an unknown flag, a missing value, a value that is not a number) are reported here, every one at once.
/// </summary>
internal sealed class SiloCommandLine
{
    private enum Kind { Text, Integer, Seconds, Switch, Off }

    /// <summary>The flags that set a <see cref="U2plSiloOptions"/> property.</summary>
    private static readonly Dictionary<string, (string Property, Kind Kind)> OptionFlags = new()
    {
        ["--role"] = (nameof(U2plSiloOptions.Roles), Kind.Text),
        ["--gpu-slots"] = (nameof(U2plSiloOptions.GpuSlots), Kind.Integer),
        ["--cluster"] = (nameof(U2plSiloOptions.Cluster), Kind.Text),
        ["--cluster-id"] = (nameof(U2plSiloOptions.ClusterId), Kind.Text),
        ["--port"] = (nameof(U2plSiloOptions.SiloPort), Kind.Integer),
        ["--gateway-port"] = (nameof(U2plSiloOptions.GatewayPort), Kind.Integer),
        ["--host"] = (nameof(U2plSiloOptions.AdvertisedHost), Kind.Text),
        ["--listen"] = (nameof(U2plSiloOptions.ListenAddress), Kind.Text),
        ["--tls-cert"] = (nameof(U2plSiloOptions.TlsCertificate), Kind.Text),
        ["--tls-key"] = (nameof(U2plSiloOptions.TlsKey), Kind.Text),
        ["--tls-ca"] = (nameof(U2plSiloOptions.TlsCa), Kind.Text),
        ["--insecure"] = (nameof(U2plSiloOptions.Insecure), Kind.Switch),
        ["--data-plane-port"] = (nameof(U2plSiloOptions.DataPlanePort), Kind.Integer),
        ["--data-plane-nice"] = (nameof(U2plSiloOptions.DataPlaneNice), Kind.Integer),
        ["--no-data-plane"] = (nameof(U2plSiloOptions.DataPlane), Kind.Off),
        ["--death-timeout"] = (nameof(U2plSiloOptions.DeathTimeout), Kind.Seconds),
        ["--response-timeout"] = (nameof(U2plSiloOptions.ResponseTimeout), Kind.Seconds),
    };

    /// <summary>The environment variables read before <c>U2pl__Silo__*</c> existed, and the settings they stand for.</summary>
    private static readonly (string Variable, string Property)[] LegacyVariables =
    [
        (ClusterTls.CertificateVariable, nameof(U2plSiloOptions.TlsCertificate)),
        (ClusterTls.KeyVariable, nameof(U2plSiloOptions.TlsKey)),
        (ClusterTls.CaVariable, nameof(U2plSiloOptions.TlsCa)),
    ];

    /// <summary>The <see cref="U2plSiloOptions"/> keys the flags set: they override every other source.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The keys the legacy variables <c>U2PL_TLS_*</c> set: below every other source.</summary>
    public Dictionary<string, string?> LegacySettings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>HTTP port of /healthz, /readyz, /metrics, the dashboard and the run pages; 0 for none.</summary>
    public int HealthPort { get; private set; } = 8080;
    public bool DashboardPublic { get; private set; }
    public string? DashboardToken { get; private set; }
    /// <summary>Orleans' Kubernetes hosting: <c>--kubernetes</c>, or POD_NAME set by the downward API.</summary>
    public bool Kubernetes { get; private set; }
    public bool JsonLogs { get; private set; }
    public bool Help { get; private set; }

    /// <summary>Exit code of a silo that stopped because the cluster declared it dead.</summary>
    public const int DeclaredDeadExitCode = 3;

    public const string Usage =
        """
        u2pl-silo — a silo of the U2PL virtual-actor cluster

          --role gpu|state|shard|all  roles hosted (comma list allowed; default all); shard: parameter-server
                                      shards besides the state silos (e.g. gpu,shard)
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
          --data-plane-port N         TCP port of the tensor data plane, 0 for a free one (default 11112)
          --data-plane-nice N         the data plane's threads run N nice steps below the silo, 0..19
                                      (default 0; 10: grain calls first while a transfer fills the cores)
          --no-data-plane             no data plane: tensors travel in Orleans messages (slower, TLS 5x slower)
          --kubernetes                Orleans' Kubernetes hosting: pod name, namespace and IP from the
                                      downward API, dead silos' pods deleted (default when POD_NAME is set)
          --host HOST                 address other silos and clients reach this silo on (default 127.0.0.1)
          --listen ADDRESS            address to bind (default 0.0.0.0)
          --death-timeout SECONDS     time to declare a silent silo dead (default: Orleans' ~12 s)
          --response-timeout SECONDS  default per-call deadline (default 30)
          --log-format json|text      structured JSON logs or plain text (default text)

        The silo's settings may also come from appsettings.json (section U2pl:Silo) or from environment
        variables U2pl__Silo__<Setting> (Cluster, ClusterId, Roles, GpuSlots, SiloPort, GatewayPort,
        AdvertisedHost, ListenAddress, DeathTimeout, ResponseTimeout, MaxMessageBodySize, TlsCertificate,
        TlsKey, TlsCa, Insecure, DataPlane, DataPlanePort, DataPlaneNice); a flag overrides them.
        """;

    public static (SiloCommandLine CommandLine, List<string> Problems) Parse(string[] args, Func<string, string?> env)
    {
        var problems = new List<string>();
        var result = new SiloCommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            var flag = args[i];
            string? Value()
            {
                if (i + 1 < args.Length) return args[++i];
                problems.Add($"{flag} needs a value.");
                return null;
            }
            if (OptionFlags.TryGetValue(flag, out var option))
            {
                if (Setting(flag, option.Kind, Value, problems) is { } value) result.Settings[U2plSiloOptions.Key(option.Property)] = value;
                continue;
            }
            switch (flag)
            {
                case "--health-port": result.HealthPort = Integer(flag, Value(), problems) ?? result.HealthPort; break;
                case "--dashboard-public": result.DashboardPublic = true; break;
                case "--dashboard-token": result.DashboardToken = Value(); break;
                case "--kubernetes": result.Kubernetes = true; break;
                case "--log-format": result.JsonLogs = Value() == "json"; break;
                case "--help" or "-h": result.Help = true; break;
                default: problems.Add($"Unknown argument '{flag}'."); break;
            }
        }
        foreach (var (variable, property) in LegacyVariables)
        {
            if (env(variable) is { Length: > 0 } value) result.LegacySettings[U2plSiloOptions.Key(property)] = value;
        }
        if (result.DashboardToken is null && env("U2PL_DASHBOARD_TOKEN") is { Length: > 0 } token) result.DashboardToken = token;
        if (result.DashboardToken is { Length: < 16 }) problems.Add("--dashboard-token: use at least 16 characters.");
        if (env("POD_NAME") is { Length: > 0 }) result.Kubernetes = true;
        return (result, problems);
    }

    /// <summary>Adds the legacy variables below every source of <paramref name="configuration"/> and the flags above them.</summary>
    public IConfigurationBuilder AddTo(IConfigurationBuilder configuration)
    {
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = LegacySettings });
        return configuration.AddInMemoryCollection(Settings);
    }

    private static string? Setting(string flag, Kind kind, Func<string?> value, List<string> problems) => kind switch
    {
        Kind.Switch => "true",
        Kind.Off => "false",
        Kind.Integer => Integer(flag, value(), problems)?.ToString(CultureInfo.InvariantCulture),
        Kind.Seconds => Seconds(flag, value(), problems)?.ToString("c", CultureInfo.InvariantCulture),
        _ => value(),
    };

    private static int? Integer(string flag, string? text, List<string> problems)
    {
        if (text is null) return null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
        problems.Add($"{flag}: '{text}' is not an integer.");
        return null;
    }

    private static TimeSpan? Seconds(string flag, string? text, List<string> problems)
    {
        if (text is null) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0) return TimeSpan.FromSeconds(v);
        problems.Add($"{flag}: '{text}' is not a positive number of seconds.");
        return null;
    }
}
