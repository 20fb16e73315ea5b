using Microsoft.Extensions.Logging;
using U2PL.Runtime.Catalog;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Storage;

namespace U2PL.Runtime.Hosting;

/// <summary>The parts of one silo that its components share (one instance per silo; no static state).</summary>
internal sealed record SiloServices
{
    public required SiloAddress Address { get; init; }
    public required SiloOptions Options { get; init; }
    public required ClusterOptions Cluster { get; init; }
    public required MessagingOptions Messaging { get; init; }
    public required ClusterMembershipOptions Membership { get; init; }
    public required IGrainDirectory Directory { get; init; }
    public required IFencedGrainStorage Storage { get; init; }
    public required IMembershipTable MembershipTable { get; init; }
    public required GrainTypeManifest Manifest { get; init; }
    public required RuntimeMetrics Metrics { get; init; }
    public required ILoggerFactory LoggerFactory { get; init; }
    public required IServiceProvider Services { get; init; }
    public required TimeProvider Time { get; init; }
    public required BodySerializer Bodies { get; init; }
    public required IGrainFactory GrainFactory { get; init; }

    /// <summary>Whether this silo has <paramref name="role"/> (null: any silo).</summary>
    public bool HasRole(string? role) =>
        role is null || Options.Roles.Any(r => r.Equals(role, StringComparison.OrdinalIgnoreCase) || r.Equals("all", StringComparison.OrdinalIgnoreCase));
}
