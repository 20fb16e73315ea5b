using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.Membership;

namespace U2PL.Runtime.Hosting;

/// <summary>Wires a <see cref="ClusterClient"/> into a generic host (Orleans' <c>UseOrleansClient</c>).</summary>
public static class ClientHostingExtensions
{
    /// <summary>
    /// Adds a cluster client: options from configuration sections <c>U2PL:Client</c>, <c>U2PL:Cluster</c> and
    /// <c>U2PL:Messaging</c> and from <paramref name="configure"/>, validated at start with every problem listed. The
    /// client connects when the host starts (retrying with backoff until <c>MessagingOptions.MaxRetries</c>) and closes
    /// when it stops; resolve it as <see cref="ClusterClient"/> or <see cref="IGrainFactory"/>. Without gateways in
    /// <see cref="ClientOptions.Gateways"/>, it discovers them in the cluster store chosen with
    /// <see cref="ClusteringExtensions"/> (e.g. <c>UseClustering("postgres://...")</c>).
    /// </summary>
    public static IServiceCollection AddU2plClient(this IServiceCollection services, IConfiguration? configuration = null,
        Action<ClientOptions>? configure = null)
    {
        var client = services.AddOptions<ClientOptions>();
        var cluster = services.AddOptions<ClusterOptions>();
        var messaging = services.AddOptions<MessagingOptions>();
        if (configuration is not null)
        {
            client.Bind(configuration.GetSection("U2PL:Client"));
            cluster.Bind(configuration.GetSection("U2PL:Cluster"));
            messaging.Bind(configuration.GetSection("U2PL:Messaging"));
        }
        if (configure is not null) client.Configure(configure);
        client.ValidateOnStart();
        cluster.ValidateOnStart();
        messaging.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClientOptions>, ClientOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MessagingOptions>, MessagingOptionsValidator>());
        services.TryAddSingleton(sp => new RuntimeMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new ClusterClient(
            sp.GetRequiredService<IOptions<ClientOptions>>().Value,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value,
            sp.GetRequiredService<IOptions<MessagingOptions>>().Value,
            sp.GetService<IMembershipTable>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<RuntimeMetrics>()));
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<ClusterClient>());
        services.AddHostedService<ClusterClientHostedService>();
        return services;
    }

    /// <summary>Adds a cluster client to the host being built, bound to its configuration; see <see cref="AddU2plClient(IServiceCollection, IConfiguration?, Action{ClientOptions}?)"/>.</summary>
    public static IHostApplicationBuilder UseU2plClient(this IHostApplicationBuilder builder, Action<ClientOptions>? configure = null)
    {
        builder.Services.AddU2plClient(builder.Configuration, configure);
        return builder;
    }
}

/// <summary>Connects the host's cluster client at start and closes it at stop.</summary>
internal sealed class ClusterClientHostedService(ClusterClient client) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => client.ConnectAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => client.DisposeAsync().AsTask();
}
