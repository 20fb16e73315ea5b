using Microsoft.Extensions.DependencyInjection;
using U2PL.Segmentation.Training;

namespace U2PL.Synthetic;

/// <summary>Registers the synthetic scenes (<c>dataset.type: synthetic</c>) with a host.</summary>
public static class SyntheticSceneExtensions
{
    /// <summary>The catalogue with the synthetic scenes added (for code that opens datasets itself: <c>u2pl train</c>, tests).</summary>
    public static DatasetTypes WithSyntheticScenes(this DatasetTypes types) => types.With(new SyntheticSceneType());

    /// <summary>Registers the synthetic scenes as an <see cref="IDatasetType"/> service (a silo's grains open them through DI).</summary>
    public static IServiceCollection AddSyntheticScenes(this IServiceCollection services) =>
        services.AddSingleton<IDatasetType, SyntheticSceneType>();
}
