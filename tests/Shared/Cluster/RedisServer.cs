using System.Diagnostics;
using System.Net.Sockets;

namespace U2PL.Tests.Cluster;

/// <summary>
/// A private redis-server (Debian's, installed by scripts/install-deps.sh) on loopback and a free port, nothing
/// persisted: the cluster's membership, grain directory and grain state, as in production. Shared with the cluster
/// benchmark (linked there), so it does not depend on xunit.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _server;

    public int Port { get; } = FreePorts.Next();

    /// <summary>Addresses the server binds (e.g. <c>127.0.0.1 10.77.0.1</c> for silos in network namespaces).</summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>The <c>--cluster</c> value silos and clients take.</summary>
    public string Uri => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(string bind = "127.0.0.1")
    {
        var server = new RedisServer { Bind = bind };
        await server.InitializeAsync();
        return server;
    }

    public async ValueTask InitializeAsync()
    {
        const string binary = "/usr/bin/redis-server";
        if (!File.Exists(binary)) throw new InvalidOperationException($"redis-server is not installed ({binary}); run scripts/install-deps.sh.");
        _server = Process.Start(new ProcessStartInfo(binary,
            $"--port {Port} --bind {Bind} --protected-mode no --save \"\" --appendonly no --daemonize no --loglevel warning")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        })!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await Eventually.Until(async () => await AcceptsAsync(), ok => ok || _server.HasExited, TimeSpan.FromSeconds(20), $"redis-server on port {Port}");
        if (_server.HasExited) throw new InvalidOperationException($"redis-server exited with {_server.ExitCode}");
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
    }
}
