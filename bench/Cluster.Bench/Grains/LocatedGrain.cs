namespace U2PL.Cluster.Bench.Grains;

/// <summary>Placed on any silo (Orleans' default placement); the failure-detection benchmark kills the silo that hosts it.</summary>
public sealed class LocatedGrain : Grain, ILocatedGrain
{
    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(RuntimeIdentity);
}
