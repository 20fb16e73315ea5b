using Orleans.Placement;

namespace U2PL.Grains.Placement;

/// <summary>
/// Places parameter-server shards over every silo with the <c>state</c> or the <c>shard</c> role (GPU silos started with
/// <c>--role gpu,shard</c>): shard k of a run goes to the (k mod n)-th of those n silos, so that a run's shards, and the
/// bandwidth they serve, spread over the pool.
/// </summary>
public sealed class ShardSiloPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardSiloPlacementAttribute() : PlacementAttribute(new ShardSiloPlacement());
