using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace U2PL.Client.Tests.Cluster;

/// <summary>
/// A real <c>u2pl-silo</c> process (Silo/bin/&lt;configuration&gt;/net10.0), one Orleans silo with localhost
/// clustering hosting the U2PL grains, requiring mutual TLS when given certificates.
/// </summary>
public sealed class GrainSiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GrainSiloProcess(Process process, int gatewayPort, int healthPort)
    {
        _process = process;
        GatewayPort = gatewayPort;
        HealthPort = healthPort;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int GatewayPort { get; }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    /// <summary>The HTTP port: health, metrics, the Orleans Dashboard and the run pages.</summary>
    public int HealthPort { get; }

    public string Web => $"http://127.0.0.1:{HealthPort}";

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<GrainSiloProcess> StartAsync(int gpuSlots = 2, U2PL.Tests.Cluster.TestCertificates? tls = null,
        IReadOnlyDictionary<string, string>? environment = null, params string[] extraArguments)
    {
        var root = U2plProcess.RepositoryRoot;
        var configuration = U2plProcess.Executable.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var silo = Path.Combine(root, "Silo", "bin", configuration, "net10.0", "u2pl-silo");
        if (!File.Exists(silo)) throw new FileNotFoundException("Build Silo first (tests/Client.Tests references it).", silo);
        var (port, gateway, health) = (FreePort(), FreePort(), FreePort());
        var arguments = new List<string>
        {
            "--cluster", "local", "--role", "all", "--gpu-slots", gpuSlots.ToString(CultureInfo.InvariantCulture),
            "--port", port.ToString(CultureInfo.InvariantCulture), "--gateway-port", gateway.ToString(CultureInfo.InvariantCulture),
            "--health-port", health.ToString(CultureInfo.InvariantCulture), "--data-plane-port", FreePort().ToString(CultureInfo.InvariantCulture), "--listen", "127.0.0.1",
        };
        if (tls is not null) arguments.AddRange(tls.Flags("silo"));
        arguments.AddRange(extraArguments);
        var start = new ProcessStartInfo(silo, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var started = new GrainSiloProcess(process, gateway, health);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{health}/readyz")).IsSuccessStatusCode) return started;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        var output = started.Output;
        await started.DisposeAsync();
        throw new InvalidOperationException($"u2pl-silo did not become ready:\n{output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
