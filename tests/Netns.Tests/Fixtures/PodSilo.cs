using System.Diagnostics;
using System.Text;

namespace U2PL.Netns.Tests.Fixtures;

/// <summary>
/// A real <c>u2pl-silo</c> inside a pod's namespace (<c>ip netns exec</c> execs it, so the process is the silo itself),
/// with the fixed ports a pod would use and the pod's address as both <c>--host</c> and <c>--listen</c>.
/// </summary>
public sealed class PodSilo : IAsyncDisposable
{
    public const int SiloPort = 11111;
    public const int GatewayPort = 30000;
    public const int HealthPort = 8080;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PodSilo(Pod pod, string role, Process process)
    {
        Pod = pod;
        Role = role;
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Pod Pod { get; }

    public string Role { get; }

    /// <summary>This incarnation's silo address as Orleans writes it (<c>S10.77.0.12:11111:generation</c>), from its <c>/readyz</c>.</summary>
    public string Address { get; private set; } = "";

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Whether a silo address as grains report it is this incarnation.</summary>
    public bool Is(string siloAddress) => siloAddress == Address;

    /// <summary>Whether a silo address is any incarnation of this pod.</summary>
    public bool InPod(string siloAddress) => siloAddress.StartsWith($"S{Pod.Address}:{SiloPort}:", StringComparison.Ordinal);

    /// <summary>Starts a silo in <paramref name="pod"/> and waits until its <c>/readyz</c> answers (it joined the cluster).</summary>
    public static async Task<PodSilo> StartAsync(Pod pod, string cluster, string clusterId, string role, int gpuSlots,
        double deathTimeoutSeconds, double responseTimeoutSeconds, IReadOnlyList<string> tlsFlags)
    {
        var gateway = role == "gpu" ? 0 : GatewayPort; // GPU pods take no clients, as in the manifests
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])
                 [
                     "netns", "exec", pod.Namespace, "dotnet", SiloDll, "--cluster", cluster, "--cluster-id", clusterId,
                     "--role", role, "--gpu-slots", $"{gpuSlots}", "--port", $"{SiloPort}",
                     "--gateway-port", $"{gateway}", "--health-port", $"{HealthPort}", "--host", pod.Address, "--listen", pod.Address,
                     "--death-timeout", Invariant(deathTimeoutSeconds), "--response-timeout", Invariant(responseTimeoutSeconds),
                     .. tlsFlags,
                 ])
        {
            start.ArgumentList.Add(argument);
        }
        var silo = new PodSilo(pod, role, Process.Start(start)!);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && !silo.HasExited)
        {
            if (await silo.ReadyAsync() is { } address)
            {
                silo.Address = address;
                return silo;
            }
            await Task.Delay(100);
        }
        await silo.DisposeAsync();
        throw new InvalidOperationException($"silo in {pod.Namespace} did not become ready (exited: {silo.HasExited}):\n{silo.Output}");
    }

    /// <summary>The address from <c>/readyz</c> when the silo is active, else null.</summary>
    public async Task<string?> ReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync($"http://{Pod.Address}:{HealthPort}/readyz");
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode && text.StartsWith("active ", StringComparison.Ordinal) ? text["active ".Length..].Trim() : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Sends SIGTERM (a pod deletion: graceful drain).</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", $"-TERM {_process.Id}");
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit; its exit code, or null if it did not exit in time.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static string Invariant(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
