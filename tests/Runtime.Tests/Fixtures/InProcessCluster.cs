using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Hosting;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Tests.TestGrains;

namespace U2PL.Runtime.Tests.Fixtures;

/// <summary>Silos and clients in the test process over real loopback connections, sharing an in-memory cluster store.</summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    public const string Key = "in-process-test-key-0123456789";

    private readonly List<WebApplication> _apps = [];
    private readonly List<ClusterClient> _clients = [];

    public InMemoryClusterStore Store { get; } = new();

    public List<Hosting.Silo> Silos { get; } = [];

    public async Task<Hosting.Silo> StartSiloAsync(string role = "all", int gpuSlots = 0, int healthPort = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var siloPort = FreePorts.Next();
        var gatewayPort = FreePorts.Next();
        builder.Services.Configure<SiloOptions>(o =>
        {
            o.ListenAddress = "127.0.0.1";
            o.SiloPort = siloPort;
            o.GatewayPort = gatewayPort;
            o.HealthPort = healthPort;
            o.Roles = [role];
            o.GpuSlots = gpuSlots;
        });
        builder.Services.Configure<ClusterOptions>(o => o.ClusterKey = Key);
        builder.Services.Configure<ClusterMembershipOptions>(o =>
        {
            o.IAmAlivePeriod = TimeSpan.FromMilliseconds(200);
            o.RefreshPeriod = TimeSpan.FromMilliseconds(200);
            o.DeathTimeout = TimeSpan.FromSeconds(2);
            o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
        });
        builder.Services.Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15));
        builder.Services.UseInMemoryClustering(Store);
        builder.UseU2plSilo(s => s.AddGrains(typeof(CounterGrain).Assembly));
        var app = builder.Build();
        app.MapSiloHealthEndpoints();
        await app.StartAsync();
        _apps.Add(app);
        var silo = app.Services.GetRequiredService<Hosting.Silo>();
        Silos.Add(silo);
        return silo;
    }

    public async Task StopSiloAsync(Hosting.Silo silo)
    {
        var index = Silos.IndexOf(silo);
        await _apps[index].StopAsync();
    }

    public async Task<ClusterClient> ConnectClientAsync(string key = Key)
    {
        var client = new ClusterClient(new ClientOptions(), new ClusterOptions { ClusterKey = key },
            new MessagingOptions { ResponseTimeout = TimeSpan.FromSeconds(15) }, Store);
        await client.ConnectAsync();
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        foreach (var app in _apps)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await app.StopAsync(cts.Token);
            }
            catch (Exception)
            {
                // already stopped
            }
            await app.DisposeAsync();
        }
    }
}
