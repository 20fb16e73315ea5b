using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using U2PL.Grains.Placement;
using U2PL.Grains.Run;

namespace U2PL.Grains.Hosting;

/// <summary>
/// The silo configuration shared by <c>u2pl-silo</c> and the demo's in-process silo: clustering, grain directory and
/// grain storage (Redis, or localhost and memory for one process), endpoints, failure-detection timing, message size,
/// placement, the fatal-error exit, and the dataset types (the file types and each <see cref="U2PL.Segmentation.Training.IDatasetType"/>
/// the host registers).
/// </summary>
public static class U2plSiloBuilderExtensions
{
    public static ISiloBuilder AddU2plSilo(this ISiloBuilder silo, U2plSiloOptions options)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = "u2pl";
        });
        if (RedisEndpoint.IsRedis(options.Cluster))
        {
            var redis = RedisEndpoint.Parse(options.Cluster);
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            // Redis' directory registers an activation atomically: one activation per grain, even across a partition.
            silo.UseRedisGrainDirectoryAsDefault(o => o.ConfigurationOptions = redis);
            silo.AddRedisGrainStorage(GrainState.Storage, o => o.ConfigurationOptions = redis);
            silo.ConfigureEndpoints(AdvertisedAddress(options.AdvertisedHost), options.SiloPort, options.GatewayPort,
                listenOnAnyHostAddress: options.ListenAddress is "0.0.0.0" or "::");
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: "u2pl", clusterId: options.ClusterId);
            silo.AddMemoryGrainStorage(GrainState.Storage);
        }
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            if (options.DeathTimeout is not { } death) return;
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
        });
        silo.Configure<SiloMessagingOptions>(o =>
        {
            o.MaxMessageBodySize = options.MaxMessageBodySize;
            if (options.ResponseTimeout is { } timeout)
            {
                o.ResponseTimeout = timeout;
                o.SystemResponseTimeout = timeout;
            }
        });
        silo.Configure<GrainCollectionOptions>(o => o.DeactivationTimeout = TimeSpan.FromMinutes(5));
        silo.AddU2plPlacement(options.Roles, options.GpuSlots);
        if (options.Tls is { } tls)
        {
            silo.UseTls(tls.Configure);
        }
        silo.Services.AddSingleton<IFatalErrorHandler, ExitOnFatalError>();
        silo.AddOutgoingGrainCallFilter<PayloadLimitFilter>();
        silo.Services.AddMetrics().AddSingleton<TrainingMetrics>();
        silo.Services.AddDatasetTypes();
        return silo;
    }

    private static IPAddress AdvertisedAddress(string host) =>
        IPAddress.TryParse(host, out var address) ? address
        : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
          ?? throw new ArgumentException($"--host: '{host}' does not resolve to an IPv4 address");

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
