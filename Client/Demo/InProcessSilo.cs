using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;
using U2PL.Grains.Hosting;
using U2PL.Synthetic;
using U2PL.Web;

namespace U2PL.Client.Demo;

/// <summary>
/// One Orleans silo inside the <c>u2pl</c> process (role all, localhost clustering, loopback ports chosen free), hosting
/// the U2PL grains: what <c>u2pl demo</c> trains on. Like u2pl-silo it serves the run pages and the Orleans Dashboard
/// over HTTP, on loopback only. Its warnings and errors go to stderr. Disposing it stops the silo and waits for the
/// libtorch work that runs outside grain turns (<see cref="NativeWork"/>), so that the process exits only after it.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _host;

    private InProcessSilo(WebApplication host, string gateway, string web)
    {
        _host = host;
        Gateway = gateway;
        WebAddress = web;
    }

    /// <summary>The silo's client gateway, <c>127.0.0.1:port</c>.</summary>
    public string Gateway { get; }

    /// <summary>Where the run pages are served, <c>http://127.0.0.1:port</c>.</summary>
    public string WebAddress { get; }

    public string RunPage(string runId) => $"{WebAddress}{RunPageEndpoints.Route}/{Uri.EscapeDataString(runId)}";

    public const string ClusterId = "u2pl-demo";

    private const string DashboardRoute = "/dashboard";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public static async Task<InProcessSilo> StartAsync(int gpuSlots, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Error);
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var webPort = FreePort();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, webPort));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = StopTimeout);
        // Ctrl-C and SIGTERM belong to the u2pl command (stop the run with a checkpoint, then this silo), not to the host.
        builder.Services.AddSingleton<IHostLifetime, U2PL.Client.Cluster.ClusterConnection.SignalFreeLifetime>();
        // The demo's own settings, not the environment's U2pl__Silo__*: bound and validated as u2pl-silo's are.
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.Cluster))] = "local",
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.ClusterId))] = ClusterId,
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.Roles))] = "all",
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.GpuSlots))] = gpuSlots.ToString(CultureInfo.InvariantCulture),
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.SiloPort))] = siloPort.ToString(CultureInfo.InvariantCulture),
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.GatewayPort))] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.AdvertisedHost))] = "127.0.0.1",
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.ListenAddress))] = "127.0.0.1",
            [U2plSiloOptions.Key(nameof(U2plSiloOptions.DataPlanePort))] = "0",
        }).Build();
        builder.UseOrleans(silo =>
        {
            silo.AddU2plSilo(settings);
            silo.Services.AddSyntheticScenes();
            silo.AddDashboard();
        });
        var host = builder.Build();
        host.UseU2plWebAccess(new WebAccessOptions(), DashboardRoute, RunPageEndpoints.Route);
        host.MapOrleansDashboard(DashboardRoute);
        host.MapRunPages(DashboardRoute);
        await host.StartAsync(cancellationToken);
        return new InProcessSilo(host, $"127.0.0.1:{gatewayPort}", $"http://127.0.0.1:{webPort}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await _host.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or AggregateException)
        {
            // Grains that did not deactivate in time die with the process; the run's checkpoints are already on disk.
            Console.Error.WriteLine($"warning: the in-process silo did not stop within {StopTimeout.TotalSeconds:0} s ({e.Message})");
        }
        finally
        {
            // A validation still in its pass: libtorch work the stop does not wait for, which the process's exit would
            // tear libtorch down under (NativeWork).
            await _host.Services.GetRequiredService<NativeWork>().WhenEnded();
            await _host.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
