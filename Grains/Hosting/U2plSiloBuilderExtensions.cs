using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using U2PL.Grains.DataPlane;
using U2PL.Grains.Placement;
using U2PL.Grains.Run;

namespace U2PL.Grains.Hosting;

/// <summary>
/// The silo configuration shared by <c>u2pl-silo</c>, the demo's in-process silo and the cluster benchmark's silo:
/// clustering, grain directory and grain storage (Redis, or localhost and memory for one process), endpoints,
/// failure-detection timing, message size, placement, TLS, the tensor data plane, the fatal-error exit and the dataset types (the file types and each
/// <see cref="U2PL.Segmentation.Training.IDatasetType"/> the host registers), from <see cref="U2plSiloOptions"/>; and
/// <see cref="NativeWork"/>, which the host waits for after the silo stopped.
/// </summary>
public static class U2plSiloBuilderExtensions
{
    /// <summary>
    /// Binds <see cref="U2plSiloOptions"/> to the section <c>U2pl:Silo</c> of <paramref name="configuration"/>, validated
    /// now and on start, and configures the silo from it. Throws an <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>
    /// naming every invalid setting.
    /// </summary>
    public static ISiloBuilder AddU2plSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(U2plSiloOptions.SectionName);
        silo.Services.AddOptions<U2plSiloOptions>().Bind(section, U2plSiloOptions.Strict).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<U2plSiloOptions>, U2plSiloOptionsValidator>());
        // The clustering provider, the Redis connection, TLS and the silo metadata are chosen while the silo is built,
        // before the container that resolves IOptions exists: those values are bound and validated here already, so
        // that a bad value fails now, naming every problem, instead of as a connection error inside Orleans.
        var options = U2plSiloOptions.Read(section);
        if (options.IsRedis)
        {
            var redis = RedisEndpoint.Parse(options.Cluster);
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            // Redis' directory registers an activation atomically: one activation per grain, even across a partition.
            silo.UseRedisGrainDirectoryAsDefault(o => o.ConfigurationOptions = redis);
            silo.AddRedisGrainStorage(GrainState.Storage, o => o.ConfigurationOptions = redis);
            silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<U2plSiloOptions>>((o, u2pl) => Endpoints(o, u2pl.Value));
        }
        else
        {
            // Localhost clustering names its primary silo by port: the endpoints are fixed here.
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: U2plSiloOptions.ServiceId, clusterId: options.ClusterId);
            silo.AddMemoryGrainStorage(GrainState.Storage);
        }
        silo.Services.AddOptions<ClusterOptions>().Configure<IOptions<U2plSiloOptions>>((o, u2pl) =>
        {
            o.ClusterId = u2pl.Value.ClusterId;
            o.ServiceId = U2plSiloOptions.ServiceId;
        });
        silo.Services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<U2plSiloOptions>>((o, u2pl) => FailureDetection(o, u2pl.Value.DeathTimeout));
        silo.Services.AddOptions<SiloMessagingOptions>().Configure<IOptions<U2plSiloOptions>>((o, u2pl) =>
        {
            o.MaxMessageBodySize = u2pl.Value.MaxMessageBodySize;
            if (u2pl.Value.ResponseTimeout is { } timeout)
            {
                o.ResponseTimeout = timeout;
                o.SystemResponseTimeout = timeout;
            }
        });
        silo.Configure<GrainCollectionOptions>(o => o.DeactivationTimeout = TimeSpan.FromMinutes(5));
        silo.AddU2plPlacement(options.RoleList(), options.GpuSlots);
        if (options.Tls() is { } tls)
        {
            silo.UseTls(tls.Configure);
        }
        if (options.DataPlane)
        {
            silo.Services.AddSingleton<SiloDataPlane>();
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<SiloDataPlane>());
        }
        silo.Services.AddSingleton<IFatalErrorHandler, ExitOnFatalError>();
        silo.Services.AddSingleton<NativeWork>();
        silo.AddOutgoingGrainCallFilter<PayloadLimitFilter<SiloMessagingOptions>>();
        silo.Services.AddMetrics().AddSingleton<TrainingMetrics>();
        silo.Services.AddDatasetTypes();
        return silo;
    }

    private static void Endpoints(EndpointOptions endpoints, U2plSiloOptions options)
    {
        endpoints.AdvertisedIPAddress = AdvertisedAddress(options.AdvertisedHost);
        endpoints.SiloPort = options.SiloPort;
        endpoints.GatewayPort = options.GatewayPort;
        if (options.ListenAddress is "0.0.0.0" or "::")
        {
            endpoints.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, options.SiloPort);
            endpoints.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, options.GatewayPort);
        }
    }

    private static void FailureDetection(ClusterMembershipOptions o, TimeSpan? deathTimeout)
    {
        if (deathTimeout is not { } death) return;
        // Death after about 3 missed probes: death / 4 each, with one vote (any silo may declare another dead).
        // Direct probes only: behind a cut link an indirect probe through a third silo adds its own timeout to
        // every miss (a partition then took 12.7 s to detect at T = 4 s), and U2PL's clusters are small.
        o.ProbeTimeout = Clamp(death / 4, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
        o.EnableIndirectProbes = false;
        o.ExtendProbeTimeoutDuringDegradation = false;
        o.NumMissedProbesLimit = 3;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = Clamp(death / 2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        o.IAmAliveTablePublishTimeout = Clamp(death / 2, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        o.DeathVoteExpirationTimeout = Clamp(death * 2, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2));
    }

    private static IPAddress AdvertisedAddress(string host) =>
        IPAddress.TryParse(host, out var address) ? address
        : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
          ?? throw new ArgumentException($"--host ({U2plSiloOptions.Key(nameof(U2plSiloOptions.AdvertisedHost))}): '{host}' does not resolve to an IPv4 address");

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
