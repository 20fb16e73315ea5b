using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace U2PL.Runtime.Bench.Cluster;

/// <summary>A real <c>u2pl-silo</c> process (Release build beside this repository) hosting the benchmark grains.</summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BenchSilo(Process process, int port, int gatewayPort, int healthPort)
    {
        _process = process;
        Port = port;
        GatewayPort = gatewayPort;
        HealthPort = healthPort;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int GatewayPort { get; }

    public int HealthPort { get; }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Whether <paramref name="siloAddress"/> (as grains report it) is this process.</summary>
    public bool Hosts(string siloAddress) => siloAddress.Contains($":{Port}@", StringComparison.Ordinal);

    /// <summary>Environment variables for every silo process (e.g. <c>DOTNET_gcServer=1</c>), from <c>--silo-env</c>.</summary>
    public static List<KeyValuePair<string, string>> Environment { get; } = [];

    public static async Task<BenchSilo> StartAsync(string cluster, string clusterId, string key, string role, double deathTimeoutSeconds)
    {
        int port = FreePorts.Next(), gatewayPort = FreePorts.Next(), healthPort = FreePorts.Next();
        var args = $"\"{SiloDll}\" --cluster {cluster} --cluster-id {clusterId} --cluster-key {key} --role {role} " +
                   $"--port {port} --gateway-port {gatewayPort} --health-port {healthPort} --listen 127.0.0.1 " +
                   $"--grain-assembly \"{typeof(BenchSilo).Assembly.Location}\" " +
                   $"--death-timeout {deathTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} --response-timeout 60";
        var start = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in Environment) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var silo = new BenchSilo(process, port, gatewayPort, healthPort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await silo.IsReadyAsync())
        {
            if (process.HasExited) throw new InvalidOperationException($"Silo exited with {process.ExitCode}:\n{silo.Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Silo on port {port} not ready in 60 s:\n{silo.Output}");
            await Task.Delay(50);
        }
        return silo;
    }

    public async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{HealthPort}/readyz");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    private static string SiloDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = dir.Parent!.Name; // bin/<Configuration>/net10.0
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "U2PL.Orleans.sln"))) dir = dir.Parent;
            if (dir is null) throw new InvalidOperationException("Repository root not found.");
            var path = Path.Combine(dir.FullName, "Silo", "bin", configuration, "net10.0", "u2pl-silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build Silo first (this project references it).", path);
        }
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
