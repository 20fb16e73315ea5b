using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using U2PL.Grains.Hosting;

namespace U2PL.Client.Cluster;

/// <summary>
/// An Orleans cluster client for one command, found through static gateways or the cluster's Redis membership.
/// Connecting is bounded by <see cref="ConnectDeadline"/> so that an unreachable cluster fails with one clear message
/// instead of the client's long retries.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long a command waits for a first gateway connection: 10 s, or <c>U2PL_CONNECT_TIMEOUT</c> seconds.</summary>
    public static readonly TimeSpan ConnectDeadline =
        double.TryParse(Environment.GetEnvironmentVariable("U2PL_CONNECT_TIMEOUT"), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(10);

    private readonly IHost _host;

    private ClusterConnection(IHost host, ClusterEndpoint endpoint)
    {
        _host = host;
        Endpoint = endpoint;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    public IGrainFactory Grains => Client;

    public ClusterEndpoint Endpoint { get; }

    /// <summary>Connects; throws <see cref="ClusterUnreachableException"/> naming the addresses when no gateway answers.</summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterEndpoint endpoint, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            host = Build(endpoint);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--cluster: {e.Message}");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectDeadline);
        string failure;
        try
        {
            await host.StartAsync(deadline.Token);
            return new ClusterConnection(host, endpoint);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"no gateway answered within {ConnectDeadline.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is SiloUnavailableException or OrleansException or AggregateException)
        {
            failure = Reason(e);
        }
        host.Dispose();
        throw new ClusterUnreachableException(
            $"cannot reach the cluster at {endpoint.Describe()}: {failure} (give the gateways with --cluster or ${ClusterConnectionOptions.AddressVariable})");
    }

    private static IHost Build(ClusterEndpoint endpoint)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // The command reports failures itself, in one line (the host would log a failed start with its stack).
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        // Ctrl-C and SIGTERM belong to the command (exit 130, or stop a run first), not to the client's host.
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = endpoint.ClusterId;
                o.ServiceId = U2plSiloOptions.ServiceId;
            });
            if (endpoint.Store is { } store)
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = RedisEndpoint.Parse(store));
            }
            else
            {
                client.UseStaticClustering([.. endpoint.Gateways.Select(Resolve)]);
            }
            client.Configure<ClientMessagingOptions>(o =>
            {
                o.MaxMessageBodySize = U2plSiloOptions.DefaultMaxMessageBodySize;
                o.ResponseTimeout = TimeSpan.FromMinutes(5);
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.AddOutgoingGrainCallFilter<PayloadLimitFilter<ClientMessagingOptions>>();
            if (endpoint.Tls is { } tls)
            {
                client.UseTls(tls.Configure);
            }
            // A command gives up after its deadline rather than retrying forever.
            client.UseConnectionRetryFilter((_, token) => Task.FromResult(!token.IsCancellationRequested));
        });
        return builder.Build();
    }

    private static IPEndPoint Resolve(string gateway)
    {
        var colon = gateway.LastIndexOf(':');
        var host = gateway[..colon];
        var port = int.Parse(gateway[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var address = IPAddress.TryParse(host, out var ip) ? ip
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
              ?? throw new ArgumentException($"'{host}' does not resolve to an IPv4 address");
        return new IPEndPoint(address, port);
    }

    /// <summary>The most specific reason in the chain ("Connection refused").</summary>
    private static string Reason(Exception e)
    {
        var reason = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            reason = inner.Message;
        }
        return reason.TrimEnd('.');
    }

    /// <summary>A host lifetime that hooks no signals.</summary>
    internal sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // the gateway went away: nothing left to close politely
        }
        _host.Dispose();
    }
}
