using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Hosting;
using U2PL.Runtime.Membership;

namespace U2PL.Client.Demo;

/// <summary>
/// One silo inside the <c>u2pl</c> process (role all, in-memory membership, loopback ports chosen free), hosting the
/// U2PL grains: what <c>u2pl demo</c> trains on. Its warnings and errors go to stderr.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessSilo(WebApplication app, string gateway, string clusterKey)
    {
        _app = app;
        Gateway = gateway;
        ClusterKey = clusterKey;
    }

    /// <summary>The silo's client gateway, <c>127.0.0.1:port</c>.</summary>
    public string Gateway { get; }

    public string ClusterKey { get; }

    public const string ClusterId = "u2pl-demo";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public static async Task<InProcessSilo> StartAsync(int gpuSlots, IEnumerable<Assembly> grainAssemblies, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var key = Convert.ToHexString(RandomNumberGenerator()); // a fresh key: nothing else can join this cluster
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        // Ctrl-C and SIGTERM belong to the u2pl command (stop the run with a checkpoint, then this silo), not to the host.
        builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        builder.Services.Configure<SiloOptions>(o =>
        {
            o.ListenAddress = "127.0.0.1";
            o.AdvertisedHost = "127.0.0.1";
            o.SiloPort = siloPort;
            o.GatewayPort = gatewayPort;
            o.HealthPort = 0;
            o.Roles = ["all"];
            o.GpuSlots = gpuSlots;
        });
        builder.Services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = ClusterId;
            o.ClusterKey = key;
        });
        builder.Services.UseInMemoryClustering(new InMemoryClusterStore());
        builder.UseU2plSilo(silo =>
        {
            foreach (var assembly in grainAssemblies) silo.AddGrains(assembly);
        });
        var app = builder.Build();
        await app.StartAsync(cancellationToken);
        return new InProcessSilo(app, $"127.0.0.1:{gatewayPort}", key);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await _app.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or AggregateException)
        {
            // Grains that did not deactivate in time die with the process; the run's checkpoints are already on disk.
            Console.Error.WriteLine($"warning: the in-process silo did not stop within {StopTimeout.TotalSeconds:0} s ({e.Message})");
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>A host lifetime that hooks no signals: the command stops the silo itself.</summary>
    private sealed class CommandOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static byte[] RandomNumberGenerator() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(24);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
