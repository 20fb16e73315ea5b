using System.Diagnostics;
using System.Text;

namespace U2PL.Tests.Cluster;

/// <summary>
/// A real <c>u2pl-silo</c> process (the build of the same configuration beside this repository), an Orleans silo
/// hosting the U2PL grains. Shared by the cluster tests and the cluster benchmark (linked there), so it does not
/// depend on xunit.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private SiloProcess(Process process, int port, int gatewayPort, int healthPort)
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

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Whether <paramref name="siloAddress"/> (as grains report it: <c>S127.0.0.1:port:generation</c>) is this process.</summary>
    public bool Hosts(string siloAddress) => siloAddress.Contains($":{Port}:", StringComparison.Ordinal);

    /// <summary>
    /// Starts a silo (with extra environment variables, e.g. <c>DOTNET_gcServer=1</c>, if given) and waits until its
    /// <c>/readyz</c> answers, i.e. it joined the cluster.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string cluster, string clusterId, string role = "all",
        int gpuSlots = 0, int? port = null, double deathTimeoutSeconds = 3, double responseTimeoutSeconds = 20,
        IEnumerable<KeyValuePair<string, string>>? environment = null, double readyTimeoutSeconds = 30, TestCertificates? tls = null,
        string? host = null)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var siloPort = port ?? FreePorts.Next();
        var gatewayPort = FreePorts.Next();
        var healthPort = FreePorts.Next();
        var dataPlanePort = FreePorts.Next();
        // host: another program that takes u2pl-silo's flags (the cluster benchmark hosts its own grains with "BENCH.dll silo").
        var args = $"{host ?? $"\"{SiloDll}\""} --cluster {cluster} --cluster-id {clusterId} --role {role} --gpu-slots {gpuSlots} " +
                   $"--port {siloPort} --gateway-port {gatewayPort} --health-port {healthPort} --data-plane-port {dataPlanePort} --listen 127.0.0.1 " +
                   $"--death-timeout {deathTimeoutSeconds.ToString(invariant)} " +
                   $"--response-timeout {responseTimeoutSeconds.ToString(invariant)} " +
                   (tls is null ? "--insecure" : string.Join(' ', tls.Flags($"silo-{siloPort}").Select(f => $"\"{f}\"")));
        var start = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? []) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var silo = new SiloProcess(process, siloPort, gatewayPort, healthPort);
        await Eventually.Until(async () => !process.HasExited && await silo.IsReadyAsync(), ok => ok || process.HasExited,
            TimeSpan.FromSeconds(readyTimeoutSeconds), $"silo on port {siloPort} to become ready");
        if (process.HasExited) throw new InvalidOperationException($"Silo exited with {process.ExitCode}:\n{silo.Output}");
        return silo;
    }

    public async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{HealthPort}/readyz");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync($"http://127.0.0.1:{HealthPort}/metrics");

    public void Kill() => _process.Kill(entireProcessTree: true); // SIGKILL

    /// <summary>Sends a signal by name (STOP freezes the process, CONT resumes it).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (graceful shutdown) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", $"-TERM {_process.Id}")) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private static string SiloDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = dir.Parent!.Name; // bin/<Configuration>/net10.0
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "U2PL.Orleans.sln"))) dir = dir.Parent;
            if (dir is null) throw new InvalidOperationException("Repository root not found.");
            var path = Path.Combine(dir.FullName, "Silo", "bin", configuration, "net10.0", "u2pl-silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build Silo first (the test and benchmark projects reference it).", path);
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
