using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Placement;
using Orleans.Runtime;

namespace U2PL.Grains.Worker;

/// <summary>
/// A training worker (<see cref="IWorkerGrain"/>): one per GPU slot, only on GPU-role silos. The activation owns a
/// <see cref="WorkerLoop"/>; stopping lets the current step finish, gives the lease back and deactivates, which frees
/// the slot. A graceful silo shutdown does the same through <see cref="OnDeactivateAsync"/>.
/// </summary>
[GpuSlotPlacement]
[KeepAlive] // its training loop runs on its own thread, not in grain turns
[GrainType("u2pl.worker")]
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
        var self = GrainFactory.GetGrain<IWorkerGrain>(this.GetPrimaryKeyString());
        _loop = new WorkerLoop(this.GetPrimaryKeyString(), assignment, GrainFactory, logger, RuntimeIdentity)
        {
            // A loop that ends by itself (the run is done) deactivates its grain to free the GPU slot.
            Ended = () => _ = self.Stop("ended"),
        };
        _loop.Start();
        logger.LogInformation("worker {Worker} started on {Silo}", this.GetPrimaryKeyString(), RuntimeIdentity);
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
        Task.FromResult(_loop?.Info ?? new WorkerInfo { WorkerKey = this.GetPrimaryKeyString(), Silo = RuntimeIdentity, State = WorkerState.Stopped });

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_loop is { IsRunning: true } loop)
        {
            loop.RequestStop($"deactivated ({reason.Description})");
            try
            {
                await loop.Completion.WaitAsync(StopWait, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("worker {Worker} did not finish its step before deactivation", this.GetPrimaryKeyString());
            }
        }
    }
}
