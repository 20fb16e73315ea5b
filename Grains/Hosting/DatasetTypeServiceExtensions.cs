using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Hosting;

/// <summary>The dataset types a silo's grains open (<see cref="DatasetTypes"/>, injected into the run, worker and evaluation grains).</summary>
public static class DatasetTypeServiceExtensions
{
    /// <summary>
    /// Registers the catalogue: the file types and every <see cref="IDatasetType"/> service the host registers (the
    /// synthetic scenes: <c>AddSyntheticScenes()</c> of U2PL.Synthetic).
    /// </summary>
    public static IServiceCollection AddDatasetTypes(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => DatasetTypes.Files.With(sp.GetServices<IDatasetType>()));
        return services;
    }
}
