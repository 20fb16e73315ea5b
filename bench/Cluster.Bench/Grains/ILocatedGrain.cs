namespace U2PL.Cluster.Bench.Grains;

/// <summary>A grain whose placement the failure-detection benchmark observes (any silo).</summary>
[Alias("u2pl.bench.located")]
public interface ILocatedGrain : IGrainWithStringKey
{
    /// <summary>The silo hosting this activation.</summary>
    [Alias("silo")]
    Task<string> GetSilo();
}
