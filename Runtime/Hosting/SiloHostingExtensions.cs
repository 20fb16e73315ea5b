using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using U2PL.Runtime.Catalog;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.Membership;

namespace U2PL.Runtime.Hosting;

/// <summary>Wires a silo into an ASP.NET Core host: options with validation, Kestrel listeners, health and metrics endpoints.</summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// Makes this host a silo: Kestrel listens on the silo port and (if set) the gateway port with the runtime's
    /// connection handlers. Options come from configuration sections <c>U2PL:Silo</c>, <c>U2PL:Cluster</c>,
    /// <c>U2PL:Messaging</c>, <c>U2PL:Membership</c> and from <paramref name="configure"/>; invalid options fail start-up with every problem listed.
    /// A cluster store must be chosen (<see cref="ClusteringExtensions"/>).
    /// </summary>
    public static WebApplicationBuilder UseU2plSilo(this WebApplicationBuilder builder, Action<ISiloBuilder>? configure = null)
    {
        var services = builder.Services;
        services.AddU2plOptions(builder.Configuration);
        var siloBuilder = new SiloBuilder(services);
        configure?.Invoke(siloBuilder);
        services.AddSingleton(_ =>
        {
            var manifest = new GrainTypeManifest();
            foreach (var assembly in siloBuilder.Assemblies.Distinct()) manifest.AddAssembly(assembly);
            return manifest;
        });
        services.AddSingleton(sp => new RuntimeMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<Silo>();
        // Replaces Kestrel's 4 KiB-block pool for this host's socket transport (see LargeBlockMemoryPool).
        services.AddSingleton<IMemoryPoolFactory<byte>>(sp =>
            new Networking.LargeBlockMemoryPoolFactory(sp.GetRequiredService<IOptions<MessagingOptions>>().Value.ReceiveBlockSize));
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<Silo>().GrainFactory);
        services.AddHostedService<SiloHostedService>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<SiloOptions>>().Value;
            var listen = IPAddress.Parse(options.ListenAddress);
            kestrel.Listen(listen, options.SiloPort, l => l.UseConnectionHandler<SiloEndpointConnectionHandler>());
            if (options.GatewayPort > 0) kestrel.Listen(listen, options.GatewayPort, l => l.UseConnectionHandler<GatewayConnectionHandler>());
            if (options.HealthPort > 0) kestrel.Listen(listen, options.HealthPort);
            kestrel.Limits.MaxRequestBufferSize = 4L << 20;
        });
        return builder;
    }

    /// <summary>Maps <c>/healthz</c> (process up), <c>/readyz</c> (silo active in the cluster) and <c>/metrics</c> (Prometheus text).</summary>
    public static IEndpointRouteBuilder MapSiloHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok"));
        endpoints.MapGet("/readyz", (Silo silo) => silo.Status == SiloStatus.Active
            ? Results.Text($"active {silo.Address}")
            : Results.Text($"{silo.Status} {silo.Address}", statusCode: StatusCodes.Status503ServiceUnavailable));
        endpoints.MapGet("/metrics", (Silo silo) => Results.Text(silo.Metrics.ToPrometheusText(), "text/plain; version=0.0.4"));
        return endpoints;
    }

    /// <summary>Registers the option classes, bound to configuration, with their validators (checked at start).</summary>
    public static IServiceCollection AddU2plOptions(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<SiloOptions>().Bind(configuration.GetSection("U2PL:Silo")).ValidateOnStart();
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection("U2PL:Cluster")).ValidateOnStart();
        services.AddOptions<MessagingOptions>().Bind(configuration.GetSection("U2PL:Messaging")).ValidateOnStart();
        services.AddOptions<ClusterMembershipOptions>().Bind(configuration.GetSection("U2PL:Membership")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.AddSingleton<IValidateOptions<MessagingOptions>, MessagingOptionsValidator>();
        services.AddSingleton<IValidateOptions<ClusterMembershipOptions>, ClusterMembershipOptionsValidator>();
        return services;
    }
}
