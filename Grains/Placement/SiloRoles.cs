using System.Collections.Immutable;
using System.Globalization;

namespace U2PL.Grains.Placement;

/// <summary>
/// What a silo offers, published as Orleans silo metadata (<c>UseSiloMetadata</c>): its roles (<c>gpu</c>,
/// <c>state</c>, <c>shard</c>, or <c>all</c>) and its GPU slots. Placement reads it back through <c>ISiloMetadataCache</c>.
/// </summary>
public static class SiloRoles
{
    public const string RolesKey = "u2pl.roles";
    public const string GpuSlotsKey = "u2pl.gpu-slots";

    public const string Gpu = "gpu";
    public const string State = "state";
    /// <summary>Hosts parameter-server shards besides its other roles (a GPU silo too: <c>--role gpu,shard</c>).</summary>
    public const string Shard = "shard";
    public const string All = "all";

    public static Dictionary<string, string> Metadata(IEnumerable<string> roles, int gpuSlots) => new()
    {
        [RolesKey] = string.Join(',', roles),
        [GpuSlotsKey] = gpuSlots.ToString(CultureInfo.InvariantCulture),
    };

    public static IReadOnlyList<string> RolesOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(RolesKey, out var roles) ? roles.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];

    public static bool Has(IReadOnlyDictionary<string, string>? metadata, string role) =>
        RolesOf(metadata) is var roles && (roles.Contains(role) || roles.Contains(All));

    public static int GpuSlotsOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(GpuSlotsKey, out var slots) && int.TryParse(slots, CultureInfo.InvariantCulture, out var n) ? n : 0;

    public static IReadOnlyDictionary<string, string> Of(ImmutableDictionary<string, string> metadata) => metadata;
}
