using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using U2PL.Checkpoints.Azure;

namespace U2PL.Checkpoints.Tests.Infrastructure;

/// <summary>
/// A real Azurite 3.35.0 blob service on a free loopback port, data in a temporary folder, telemetry off. Installed by
/// <c>scripts/install-deps.sh --azurite-only</c> (into artifacts/azurite) when missing.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string Version = "3.35.0";
    public const string Account = BlobConnection.DevelopmentAccount;
    public const string Key = BlobConnection.DevelopmentKey;

    private readonly string _data = Directory.CreateTempSubdirectory("u2pl-azurite-").FullName;
    private Process? _process;
    private readonly StringWriter _log = new();

    public int Port { get; private set; }

    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{Account}");

    public string ConnectionString => ConnectionStringFor(BlobEndpoint);

    public static string ConnectionStringFor(Uri endpoint) =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint={endpoint.AbsoluteUri.TrimEnd('/')};";

    /// <summary>A fresh container name, so that tests never see each other's blobs.</summary>
    public static string NewContainer() => "t" + Guid.NewGuid().ToString("N")[..20];

    public ICheckpointStore Open(string container, string prefix = "", CheckpointStoreOptions? options = null) =>
        CheckpointStores.Open($"azure://{Account}/{container}/{prefix}",
            (options ?? new CheckpointStoreOptions()) with { BlobConnectionString = (options?.BlobConnectionString) ?? ConnectionString });

    public async ValueTask InitializeAsync()
    {
        var root = RepositoryRoot();
        var script = Path.Combine(root, "artifacts", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        var package = Path.Combine(root, "artifacts", "azurite", "node_modules", "azurite", "package.json");
        if (!File.Exists(package) || !File.ReadAllText(package).Contains($"\"version\": \"{Version}\"", StringComparison.Ordinal))
        {
            var install = await RunAsync("bash", [Path.Combine(root, "scripts", "install-deps.sh"), "--azurite-only"], TimeSpan.FromMinutes(5));
            Assert.True(File.Exists(script), $"installing Azurite {Version} failed:\n{install}");
        }
        Port = FreePort();
        var start = new ProcessStartInfo("node", [script, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", _data, "--disableTelemetry", "--silent"])
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "U2PL.Orleans.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("repository root (U2PL.Orleans.sln) not found above " + AppContext.BaseDirectory);
    }

    private static async Task<string> RunAsync(string file, string[] arguments, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        return $"exit {process.ExitCode}\n{await output}{await error}";
    }
}
