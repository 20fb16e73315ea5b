using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Storage;

namespace U2PL.Runtime.Hosting;

/// <summary>Chooses the cluster store (membership, directory, fenced state) of a silo or client.</summary>
public static class ClusteringExtensions
{
    /// <summary>Single-process clustering: the given in-memory store (share one instance between the silos and clients of a process).</summary>
    public static IServiceCollection UseInMemoryClustering(this IServiceCollection services, InMemoryClusterStore store) =>
        services.UseClusterStore(_ => store);

    /// <summary>PostgreSQL clustering (schema created on first start).</summary>
    public static IServiceCollection UsePostgresClustering(this IServiceCollection services, string connectionString) =>
        services.UseClusterStore(sp => new PostgresClusterStore(connectionString, sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ClusterId));

    /// <summary>Uses the <c>--cluster</c> value: <c>local</c> (in-memory) or a <c>postgres://</c> URI / Npgsql connection string.</summary>
    public static IServiceCollection UseClustering(this IServiceCollection services, string cluster) =>
        cluster.Equals("local", StringComparison.OrdinalIgnoreCase)
            ? services.UseInMemoryClustering(new InMemoryClusterStore())
            : services.UsePostgresClustering(cluster);

    private static IServiceCollection UseClusterStore<T>(this IServiceCollection services, Func<IServiceProvider, T> factory)
        where T : class, IMembershipTable, IGrainDirectory, IFencedGrainStorage
    {
        services.RemoveAll<IMembershipTable>();
        services.RemoveAll<IGrainDirectory>();
        services.RemoveAll<IFencedGrainStorage>();
        services.AddSingleton(factory);
        services.AddSingleton<IMembershipTable>(sp => sp.GetRequiredService<T>());
        services.AddSingleton<IGrainDirectory>(sp => sp.GetRequiredService<T>());
        services.AddSingleton<IFencedGrainStorage>(sp => sp.GetRequiredService<T>());
        return services;
    }
}
