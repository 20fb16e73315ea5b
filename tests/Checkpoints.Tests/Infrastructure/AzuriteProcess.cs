using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace U2PL.Checkpoints.Tests.Infrastructure;

/// <summary>
/// One Azurite 3.35.0 blob service process on a free loopback port, data in a temporary folder, telemetry off.
/// Installed by <c>scripts/install-deps.sh --azurite-only</c> (into artifacts/azurite) when missing.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    public const string Version = "3.35.0";

    private readonly string _data = Directory.CreateTempSubdirectory("u2pl-azurite-").FullName;
    private readonly StringWriter _log = new();
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>Starts Azurite with <paramref name="arguments"/> beyond host, port, location and telemetry.</summary>
    public static async Task<AzuriteProcess> StartAsync(params string[] arguments)
    {
        var azurite = new AzuriteProcess();
        await azurite.RunAsync(arguments);
        return azurite;
    }

    private async Task RunAsync(string[] arguments)
    {
        var root = AzuriteFixture.RepositoryRoot();
        var script = Path.Combine(root, "artifacts", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        var package = Path.Combine(root, "artifacts", "azurite", "node_modules", "azurite", "package.json");
        if (!File.Exists(package) || !File.ReadAllText(package).Contains($"\"version\": \"{Version}\"", StringComparison.Ordinal))
        {
            var install = await ExecuteAsync("bash", [Path.Combine(root, "scripts", "install-deps.sh"), "--azurite-only"], TimeSpan.FromMinutes(5));
            Assert.True(File.Exists(script), $"installing Azurite {Version} failed:\n{install}");
        }
        Port = AzuriteFixture.FreePort();
        var start = new ProcessStartInfo("node", [script, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(CultureInfo.InvariantCulture),
            "--location", _data, "--disableTelemetry", "--silent", .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node");
        _process.OutputDataReceived += (_, e) => _log.WriteLine(e.Data);
        _process.ErrorDataReceived += (_, e) => _log.WriteLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_process.HasExited, $"Azurite exited at start:\n{_log}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private static async Task<string> ExecuteAsync(string file, string[] arguments, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        return $"exit {process.ExitCode}\n{await output}{await error}";
    }
}
