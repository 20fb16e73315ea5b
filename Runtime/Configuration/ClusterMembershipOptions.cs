namespace U2PL.Runtime.Configuration;

/// <summary>Failure detection timing.</summary>
public sealed class ClusterMembershipOptions
{
    /// <summary>How often a silo writes its heartbeat. Default 1 s.</summary>
    public TimeSpan IAmAlivePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a silo reads the table and checks the others. Default 1 s.</summary>
    public TimeSpan RefreshPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo whose heartbeat is older than this is probed, and declared dead when the probe fails. Default 10 s.</summary>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a direct probe (ping) may take. Default 2 s.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An activation idle this long is deactivated. Default 15 min.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Time graceful shutdown waits for turns to finish and grains to deactivate. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
