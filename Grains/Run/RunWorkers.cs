using Microsoft.Extensions.Logging;
using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>
/// Carries out the <see cref="WorkerFleet"/>'s plans with the worker grains, without waiting for the workers (a
/// start that waits for its placement must not hold the run's turns): leases of workers on dead silos are handed out
/// again at once (not after the lease timeout), missing slots start, surplus ones are asked to stop.
/// </summary>
internal sealed partial class RunWorkers(IGrainFactory grains, string runId, WorkerFleet fleet, Action<RunEventKind, string> emit, ILogger logger)
{
    private bool _capacityReported;

    public async Task Reconcile(int desired, IReadOnlySet<string> deadSilos, WorkerAssignment assignment)
    {
        var plan = fleet.Plan(runId, desired, deadSilos);
        foreach (var lost in plan.Lost)
        {
            var released = await grains.GetGrain<IDataDispenserGrain>(runId).Release(lost.Key);
            emit(RunEventKind.Failed, $"{lost.Key}: its silo {lost.Silo} was declared dead; {released} lease(s) handed out again, the slot is started elsewhere");
        }
        foreach (var silent in plan.Silent)
        {
            emit(RunEventKind.Failed, $"{silent.Key} on {silent.Silo} has not reported for {silent.Quiet.TotalSeconds:F0} s; starting it again");
        }
        foreach (var key in plan.Start) _ = Start(key, assignment);
        foreach (var key in plan.Stop) _ = Stop(key, "scaled down");
    }

    /// <summary>Asks every worker to stop without waiting: their last reports and stop notices come back to the run.</summary>
    public void StopAll(string reason)
    {
        foreach (var key in fleet.Keys) _ = Stop(key, reason);
    }

    private async Task Start(string key, WorkerAssignment assignment)
    {
        try
        {
            fleet.Started(key, await grains.GetGrain<IWorkerGrain>(key).Start(assignment));
            _capacityReported = false;
        }
        catch (Exception e)
        {
            fleet.StartFailed(key);
            if (!_capacityReported) emit(RunEventKind.Capacity, $"cannot start {key}: {e.Message}"); // once until a start succeeds again
            _capacityReported = true;
        }
    }

    private async Task Stop(string key, string reason)
    {
        try
        {
            await grains.GetGrain<IWorkerGrain>(key).Stop(reason);
        }
        catch (Exception e)
        {
            LogStopFailed(logger, e, runId, key);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {Run}: stopping {Worker} failed")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, string run, string worker);
}
