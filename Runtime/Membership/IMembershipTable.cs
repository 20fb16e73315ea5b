namespace U2PL.Runtime.Membership;

/// <summary>
/// The membership store. Membership changes (insert, status change) are conditional on the table version, so that
/// concurrent writers cannot both succeed (a dead silo is declared once); heartbeats are unconditional.
/// </summary>
public interface IMembershipTable
{
    /// <summary>Creates the schema if needed.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Reads every row and the table version.</summary>
    Task<MembershipTableSnapshot> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the row of <c>entry.Silo</c> if the table version is still <paramref name="expectedVersion"/>; increments it.</summary>
    /// <returns>False when the version moved (re-read and retry).</returns>
    Task<bool> UpsertAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Writes the heartbeat of <paramref name="silo"/> (no version check).</summary>
    Task UpdateIAmAliveAsync(SiloAddress silo, DateTimeOffset time, CancellationToken cancellationToken);
}
