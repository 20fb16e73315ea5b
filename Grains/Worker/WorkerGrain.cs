using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Runtime;

namespace U2PL.Grains.Worker;

/// <summary>
/// A training worker (<see cref="IWorkerGrain"/>): one per GPU slot, only on GPU-role silos. The activation owns a
/// <see cref="WorkerLoop"/>; stopping lets the current step finish, gives the lease back and deactivates, which frees
/// the slot. A graceful silo shutdown does the same through <see cref="OnDeactivateAsync"/>.
/// </summary>
[SiloRole("gpu")]
[UsesGpuSlot]
public sealed class WorkerGrain(ILogger<WorkerGrain> logger) : Grain, IWorkerGrain
{
    private static readonly TimeSpan StopWait = TimeSpan.FromMinutes(5);
    private WorkerLoop? _loop;

    public Task<WorkerInfo> Start(WorkerAssignment assignment)
    {
        if (_loop is { IsRunning: true })
        {
            return Task.FromResult(_loop.Info);
        }
        var self = GrainFactory.GetGrain<IWorkerGrain>(GetPrimaryKeyString());
        _loop = new WorkerLoop(GetPrimaryKeyString(), assignment, GrainFactory, logger, GrainContext.SiloAddress)
        {
            // A loop that ends by itself (the run is done) deactivates its grain to free the GPU slot.
            Ended = () => _ = self.Stop("ended"),
        };
        _loop.Start();
        logger.LogInformation("worker {Worker} started on {Silo}", GetPrimaryKeyString(), GrainContext.SiloAddress);
        return Task.FromResult(_loop.Info);
    }

    public async Task Stop(string reason)
    {
        if (_loop is { } loop)
        {
            loop.RequestStop(reason);
            await loop.Completion.WaitAsync(StopWait);
        }
        DeactivateOnIdle();
    }

    public Task<WorkerInfo> GetInfo() =>
        Task.FromResult(_loop?.Info ?? new WorkerInfo { WorkerKey = GetPrimaryKeyString(), Silo = GrainContext.SiloAddress, State = "stopped" });

    public override async Task OnDeactivateAsync(U2PL.Runtime.Catalog.DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_loop is { IsRunning: true } dead && ServiceProvider.GetService<U2PL.Runtime.Hosting.Silo>() is { WasDeclaredDead: true })
        {
            dead.Abandon(); // a step finished now could only be refused: its lease was re-issued when the silo was declared dead
            return;
        }
        if (_loop is { IsRunning: true } loop)
        {
            loop.RequestStop($"deactivated ({reason.Description})");
            try
            {
                await loop.Completion.WaitAsync(StopWait, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("worker {Worker} did not finish its step before deactivation", GetPrimaryKeyString());
            }
        }
    }
}
