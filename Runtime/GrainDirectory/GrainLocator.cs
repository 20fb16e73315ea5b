using System.Collections.Concurrent;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Placement;

namespace U2PL.Runtime.GrainDirectory;

/// <summary>
/// Finds the silo a call should go to: a local cache, then the directory (ignoring entries of dead silos), then
/// placement for grains without a live activation. Observer calls go to the gateway their client is connected to.
/// </summary>
internal sealed class GrainLocator(IGrainDirectory directory, MembershipService membership, PlacementService placement)
{
    /// <summary>Grain type of the per-client routing entry (which gateway a client is connected to).</summary>
    public const string ClientGrainType = "sys.client";

    /// <summary>Grain type of observer references; key <c>clientId/observerId</c>.</summary>
    public const string ObserverGrainType = "sys.observer";

    private readonly ConcurrentDictionary<GrainId, SiloAddress> _cache = new();

    public async Task<SiloAddress> ResolveAsync(GrainId grainId, IReadOnlySet<SiloAddress> excluded, CancellationToken cancellationToken)
    {
        if (grainId.Type == ObserverGrainType) grainId = ClientRouteOf(grainId);
        if (_cache.TryGetValue(grainId, out var cached) && !excluded.Contains(cached) && membership.View.Find(cached)?.Status is SiloStatus.Active or SiloStatus.ShuttingDown)
            return cached;
        var entry = await directory.LookupAsync(grainId, cancellationToken).ConfigureAwait(false);
        if (entry?.Silo is { } silo && !excluded.Contains(silo) && !await membership.IsDeadAsync(silo, cancellationToken).ConfigureAwait(false))
        {
            _cache[grainId] = silo;
            return silo;
        }
        if (grainId.Type == ClientGrainType)
            throw new SiloUnavailableException($"Client {grainId.Key} is not connected to any gateway.");
        return placement.Choose(grainId, excluded);
    }

    public void Invalidate(GrainId grainId)
    {
        if (grainId.Type == ObserverGrainType) grainId = ClientRouteOf(grainId);
        _cache.TryRemove(grainId, out _);
    }

    public void Redirect(GrainId grainId, SiloAddress silo)
    {
        if (grainId.Type == ObserverGrainType) grainId = ClientRouteOf(grainId);
        _cache[grainId] = silo;
    }

    /// <summary>The client route entry of an observer id.</summary>
    public static GrainId ClientRouteOf(GrainId observer)
    {
        var slash = observer.Key.IndexOf('/');
        return new GrainId(ClientGrainType, slash < 0 ? observer.Key : observer.Key[..slash]);
    }
}
