using Orleans.Placement;

namespace U2PL.Grains.Placement;

/// <summary>Places activations on a random silo with the <c>state</c> role (parameter shards, banks, runs, dispensers).</summary>
public sealed class StateSiloPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class StateSiloPlacementAttribute() : PlacementAttribute(new StateSiloPlacement());
