using Orleans.Placement;

namespace U2PL.Grains.Placement;

/// <summary>
/// Places each activation on a GPU-role silo with a free GPU slot (one activation per slot), and fails the call with
/// <see cref="U2PL.Contracts.NoFreeGpuSlotException"/> when every slot is taken.
/// </summary>
public sealed class GpuSlotPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class GpuSlotPlacementAttribute() : PlacementAttribute(new GpuSlotPlacement());
