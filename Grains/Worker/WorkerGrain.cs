using U2PL.Grains.DataPlane;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Hosting;
using U2PL.Grains.Placement;
using U2PL.Segmentation.Training;
using Orleans.Runtime;

namespace U2PL.Grains.Worker;

/// <summary>
/// A training worker (<see cref="IWorkerGrain"/>): one per GPU slot, only on GPU-role silos. The activation owns a
/// <see cref="WorkerLoop"/>; stopping ends the loop (at once while it waits on a call, else after the step's native
/// compute), gives the lease back and deactivates, which frees the slot, within <see cref="StopBound"/> in every case.
/// A graceful silo shutdown does the same through <see cref="OnDeactivateAsync"/>; a loop still in its step then is
/// <see cref="NativeWork"/>, which the host waits for before the process exits.
/// </summary>
[GpuSlotPlacement]
[KeepAlive] // its training loop runs on its own thread, not in grain turns
[GrainType("u2pl.worker")]
public sealed partial class WorkerGrain(ILogger<WorkerGrain> logger, DatasetTypes datasetTypes, SiloDataPlane? dataPlane = null, NativeWork? nativeWork = null)
    : Grain, IWorkerGrain
{
    /// <summary>
    /// How long a stop waits for the loop before the activation is released anyway. A stopped loop's lease and pull
    /// waits end at once; what remains is the native compute of the step in progress, its pushes, completion and report
    /// (at most <see cref="WorkerCalls.FinishGrace"/> after the stop) and the stop notice to the run (at most
    /// <see cref="WorkerCalls.NoticeWait"/>): 10 s, plus the step's compute. Under Orleans' default response timeout
    /// (30 s), so that the caller hears back. A loop still computing past it ends by itself at its next call.
    /// </summary>
    public static readonly TimeSpan StopBound = TimeSpan.FromSeconds(20);

    private WorkerLoop? _loop;

    public Task<WorkerInfo> Start(WorkerAssignment assignment)
    {
        if (_loop is { IsRunning: true })
        {
            return Task.FromResult(_loop.Info);
        }
        var loop = new WorkerLoop(this.GetPrimaryKeyString(), assignment, GrainFactory, datasetTypes, dataPlane, logger, RuntimeIdentity);
        _loop = loop;
        loop.Start();
        // A loop can outlive its activation (StopBound) and the silo's stop: the host waits for it before the process exits.
        nativeWork?.Track(loop.Completion, $"worker {this.GetPrimaryKeyString()}'s loop");
        _ = DeactivateWhenEnded(loop);
        LogStarted(this.GetPrimaryKeyString(), RuntimeIdentity);
        return Task.FromResult(loop.Info);
    }

    public async Task Stop(string reason)
    {
        try
        {
            await StopLoop(reason);
        }
        finally
        {
            DeactivateOnIdle();
        }
    }

    public Task<WorkerInfo> GetInfo() =>
        Task.FromResult(_loop?.Info ?? new WorkerInfo { WorkerKey = this.GetPrimaryKeyString(), Silo = RuntimeIdentity, State = WorkerState.Stopped });

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        StopLoop($"deactivated ({reason.Description})");

    /// <summary>
    /// A loop that ends by itself (the run is done, an error) frees the GPU slot. Only this loop's end counts: a later
    /// <see cref="Start"/> may have put another loop in its place. Resumes on this activation's scheduler.
    /// </summary>
    private async Task DeactivateWhenEnded(WorkerLoop loop)
    {
        await loop.Completion;
        if (ReferenceEquals(_loop, loop))
        {
            DeactivateOnIdle();
        }
    }

    private async Task StopLoop(string reason)
    {
        if (_loop is not { IsRunning: true } loop)
        {
            return;
        }
        loop.RequestStop(reason);
        try
        {
            await loop.Completion.WaitAsync(StopBound);
        }
        catch (TimeoutException e)
        {
            LogStopBoundExceeded(e, this.GetPrimaryKeyString(), StopBound.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 3211, Level = LogLevel.Information, Message = "worker {Worker} started on {Silo}")]
    private partial void LogStarted(string worker, string silo);

    [LoggerMessage(EventId = 3212, Level = LogLevel.Warning, Message = "worker {Worker}: its loop did not end within {Seconds} s of the stop; the activation is released, the loop ends at its next call")]
    private partial void LogStopBoundExceeded(Exception exception, string worker, double seconds);
}
