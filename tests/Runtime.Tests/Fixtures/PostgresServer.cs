using System.Diagnostics;
using Npgsql;

namespace U2PL.Runtime.Tests.Fixtures;

/// <summary>
/// A private PostgreSQL 15 on loopback, on a free port, in a temp directory; started once and removed at the end (as CI
/// does on a fresh machine). Running as root, the server runs as the postgres user. Shared with bench/Runtime.Bench
/// (linked there), so it does not depend on xunit; the test-only part is in <c>PostgresCollection.cs</c>.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"u2pl-pg-{Guid.NewGuid():N}");
    private Process? _server;

    public int Port { get; } = FreePorts.Next();

    /// <summary>
    /// Addresses the server listens on (PostgreSQL's <c>listen_addresses</c>), e.g. <c>127.0.0.1,10.77.0.1</c> for
    /// silos in network namespaces behind a host bridge. Loopback only by default.
    /// </summary>
    public string ListenAddresses { get; init; } = "127.0.0.1";

    /// <summary>A network (CIDR) whose clients are trusted besides loopback, e.g. <c>10.77.0.0/24</c>; none by default.</summary>
    public string? TrustedNetwork { get; init; }

    public string Uri => $"postgres://postgres@127.0.0.1:{Port}/postgres";

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true";

    /// <summary>Creates and starts a server (outside a test collection, e.g. in the benchmark).</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var server = new PostgresServer();
        await server.InitializeAsync();
        return server;
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDir, "initdb")))
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDir}); run scripts/install-deps.sh.");
        Directory.CreateDirectory(_dir);
        var asRoot = Environment.UserName == "root";
        if (asRoot) Run("chown", $"postgres {_dir}");
        var data = Path.Combine(_dir, "data");
        var initdb = $"{BinDir}/initdb -D {data} -A trust -U postgres --no-sync -E UTF8";
        if (asRoot) Run("runuser", $"-u postgres -- {initdb}");
        else Run($"{BinDir}/initdb", initdb[(initdb.IndexOf(' ') + 1)..]);
        if (TrustedNetwork is { } network) File.AppendAllText(Path.Combine(data, "pg_hba.conf"), $"host all all {network} trust\n");
        var serve = $"-D {data} -p {Port} -k {_dir} -c listen_addresses={ListenAddresses} -c fsync=off -c synchronous_commit=off -c max_connections=200";
        _server = Process.Start(new ProcessStartInfo(asRoot ? "runuser" : $"{BinDir}/postgres", asRoot ? $"-u postgres -- {BinDir}/postgres {serve}" : serve)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/tmp",
        })!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    private static void Run(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {args} failed: {error}{output.Result}");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
