using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using U2PL.Grains.Hosting;
using U2PL.Tests.Cluster;

namespace U2PL.Cluster.Bench.Cluster;

/// <summary>
/// An Orleans client bound to one silo's gateway (static clustering), so that a client call to a grain on another silo
/// always takes two hops: client → gateway silo → hosting silo, as the old runtime's benchmark measured it. (A client
/// that finds its gateways in Redis may pick the hosting silo's own gateway for a grain.)
/// </summary>
internal sealed class GatewayClient : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<GatewayClient> ConnectAsync(SiloProcess gateway, string clusterId, TestCertificates? tls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = "u2pl"; });
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gateway.GatewayPort));
            client.Configure<ClientMessagingOptions>(o =>
            {
                o.ResponseTimeout = TimeSpan.FromMinutes(10);
                o.MaxMessageBodySize = U2plSiloOptions.DefaultMaxMessageBodySize;
            });
            if (tls is not null)
            {
                var (certificate, key, ca) = tls.Issue("bench-client");
                client.UseTls(new ClusterTls(certificate, key, ca).Configure);
            }
        });
        var host = builder.Build();
        await host.StartAsync();
        return new GatewayClient(host);
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
