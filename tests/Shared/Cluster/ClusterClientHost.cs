using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;

namespace U2PL.Tests.Cluster;

/// <summary>An Orleans client of a test cluster, finding its gateways in the cluster's Redis membership.</summary>
public sealed class ClusterClientHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterClientHost(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static Task<ClusterClientHost> ConnectAsync(int redisPort, string clusterId, TimeSpan responseTimeout, TestCertificates? tls = null) =>
        ConnectAsync(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse($"127.0.0.1:{redisPort}"));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        }, clusterId, responseTimeout, tls);

    /// <summary>
    /// A client bound to one silo's gateway (static clustering): a call to a grain on another silo then always takes
    /// two hops, client → gateway silo → hosting silo (a client that finds its gateways in Redis may pick the hosting
    /// silo's own gateway). The cluster benchmark measures calls this way.
    /// </summary>
    public static Task<ClusterClientHost> ConnectToGatewayAsync(int gatewayPort, string clusterId, TimeSpan responseTimeout, TestCertificates? tls = null) =>
        ConnectAsync(client => client.UseStaticClustering(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, gatewayPort)),
            clusterId, responseTimeout, tls);

    private static async Task<ClusterClientHost> ConnectAsync(Action<IClientBuilder> clustering, string clusterId, TimeSpan responseTimeout, TestCertificates? tls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Not the console's lifetime: a SIGTERM to the test process must not turn into a quiet exit 0.
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = "u2pl"; });
            clustering(client);
            client.Configure<ClientMessagingOptions>(o =>
            {
                o.ResponseTimeout = responseTimeout;
                o.MaxMessageBodySize = 512 << 20;
            });
            if (tls is not null)
            {
                var (certificate, key, ca) = tls.Issue("test-client");
                client.UseTls(new U2PL.Grains.Hosting.ClusterTls(certificate, key, ca).Configure);
            }
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterClientHost(host);
    }

    private sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _host.Dispose();
    }
}
