using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;
using U2PL.Contracts;

namespace U2PL.Grains.Placement;

/// <summary>
/// Slot accounting for <see cref="GpuSlotPlacement"/>: a slot is taken by each activation of the grain's type that the
/// management grain reports on a silo, and by placements this silo made that have not shown up there yet (for at most
/// <see cref="ReservationTime"/>) (a run starts several workers at once, all placed from its silo). Orleans places from the
/// caller's silo, so two runs on different silos can still race for the last slot; the loser's worker is then one
/// over the silo's count until the run scales down.
/// </summary>
public sealed class GpuSlotPlacementDirector(ISiloMetadataCache metadata, IGrainFactory grains) : IPlacementDirector
{
    private static readonly TimeSpan ReservationTime = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<GrainId, (SiloAddress Silo, DateTimeOffset At)> _reservations = [];

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var gpuSilos = context.GetCompatibleSilos(target)
            .Select(s => (Silo: s, Slots: SlotsOf(s)))
            .Where(s => s.Slots > 0)
            .ToArray();
        if (gpuSilos.Length == 0)
        {
            throw new NoFreeGpuSlotException($"cannot place {target.GrainIdentity}: no active silo has the '{SiloRoles.Gpu}' role with GPU slots");
        }
        await _gate.WaitAsync();
        try
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var stale in _reservations.Where(r => now - r.Value.At > ReservationTime).Select(r => r.Key).ToList())
            {
                _reservations.Remove(stale);
            }
            var active = (await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, [.. gpuSilos.Select(s => s.Silo)]))
                .Where(a => a.GrainId.Type == target.GrainIdentity.Type)
                .ToList();
            // A reservation ends when its activation shows up: from then on the activation itself holds the slot.
            foreach (var shown in active) _reservations.Remove(shown.GrainId);
            var taken = active.Select(a => a.SiloAddress)
                .Concat(_reservations.Values.Select(r => r.Silo))
                .GroupBy(s => s)
                .ToDictionary(g => g.Key, g => g.Count());
            var free = gpuSilos.Select(s => (s.Silo, Free: s.Slots - taken.GetValueOrDefault(s.Silo))).Where(s => s.Free > 0).ToArray();
            if (free.Length == 0)
            {
                throw new NoFreeGpuSlotException(
                    $"cannot place {target.GrainIdentity}: all {gpuSilos.Sum(s => s.Slots)} GPU slot(s) of {gpuSilos.Length} GPU silo(s) are taken");
            }
            var most = free.Max(s => s.Free);
            var choices = free.Where(s => s.Free == most).ToArray();
            var chosen = choices[Random.Shared.Next(choices.Length)].Silo;
            _reservations[target.GrainIdentity] = (chosen, now);
            return chosen;
        }
        finally
        {
            _gate.Release();
        }
    }

    private int SlotsOf(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata is var values && SiloRoles.Has(values, SiloRoles.Gpu) ? SiloRoles.GpuSlotsOf(values) : 0;
}
