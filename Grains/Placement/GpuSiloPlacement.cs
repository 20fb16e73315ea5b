using Orleans.Placement;

namespace U2PL.Grains.Placement;

/// <summary>
/// Places an activation on a random silo with the <c>gpu</c> role without taking a GPU slot (a run's evaluation: a
/// pass over the validation set between the workers' steps). With no GPU silo in the cluster it falls back to any
/// silo, so that a run whose pool has scaled to zero still gets its final validation.
/// </summary>
public sealed class GpuSiloPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class GpuSiloPlacementAttribute() : PlacementAttribute(new GpuSiloPlacement());
