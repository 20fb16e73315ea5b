namespace U2PL.Runtime.Membership;

/// <summary>One silo's row in the membership table.</summary>
public sealed record MembershipEntry
{
    /// <summary>The silo incarnation.</summary>
    public required SiloAddress Silo { get; init; }

    /// <summary>The gateway (client) port, or 0 when the silo takes no clients.</summary>
    public int GatewayPort { get; init; }

    /// <summary>Roles the silo hosts: <c>gpu</c>, <c>state</c> (a silo with role <c>all</c> lists both).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>How many GPU-slot activations (workers) it may host.</summary>
    public int GpuSlots { get; init; }

    /// <summary>The status.</summary>
    public SiloStatus Status { get; init; }

    /// <summary>Last heartbeat written by the silo itself.</summary>
    public DateTimeOffset IAmAliveTime { get; init; }

    /// <summary>When the incarnation started.</summary>
    public DateTimeOffset StartTime { get; init; }

    /// <summary>Who declared the silo dead (empty unless dead by failure detection).</summary>
    public string DeclaredDeadBy { get; init; } = "";

    /// <summary>Whether the silo has the role (role <c>all</c> has every role).</summary>
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.OrdinalIgnoreCase) || Roles.Contains("all", StringComparer.OrdinalIgnoreCase);
}

/// <summary>A snapshot of the membership table: rows and the table version every conditional write checks.</summary>
/// <param name="Version">The table version; every membership change increments it.</param>
/// <param name="Entries">All rows, including dead ones.</param>
public sealed record MembershipTableSnapshot(long Version, IReadOnlyList<MembershipEntry> Entries)
{
    /// <summary>An empty table.</summary>
    public static MembershipTableSnapshot Empty { get; } = new(0, []);

    /// <summary>The row of <paramref name="silo"/>, if any.</summary>
    public MembershipEntry? Find(SiloAddress silo) => Entries.FirstOrDefault(e => e.Silo == silo);

    /// <summary>Active silos.</summary>
    public IEnumerable<MembershipEntry> Active => Entries.Where(e => e.Status == SiloStatus.Active);
}
