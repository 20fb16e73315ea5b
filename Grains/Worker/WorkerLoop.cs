using System.Diagnostics;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using Orleans.Runtime;
using U2PL.Grains.Model;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Worker;

/// <summary>
/// A worker's training loop, on its own thread (a step is seconds of native compute, not a grain turn): lease a step,
/// pull the weights that changed, run <see cref="U2plStep"/> with a backward-only update, push the gradient to every
/// shard and the step's negatives to every class's bank (one block per class), complete the lease, report. A failed
/// call (a silo died) gives the lease back and tries again; the run's directive or <see cref="RequestStop"/> ends it
/// after the current step.
/// </summary>
internal sealed class WorkerLoop
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ReportWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BarrierPoll = TimeSpan.FromMilliseconds(20);

    private readonly string _key;
    private readonly WorkerAssignment _assignment;
    private readonly IGrainFactory _grains;
    private readonly ILogger _logger;
    private readonly string _silo;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile WorkerInfo _info;
    private string _stopReason = "";

    public WorkerLoop(string key, WorkerAssignment assignment, IGrainFactory grains, ILogger logger, string silo)
    {
        _key = key;
        _assignment = assignment;
        _grains = grains;
        _logger = logger;
        _silo = silo;
        _info = new WorkerInfo { WorkerKey = key, Silo = silo, State = WorkerState.Starting, LastReport = DateTimeOffset.UtcNow };
    }

    public WorkerInfo Info => _info;

    public Task Completion => _completion.Task;

    public bool IsRunning => !_completion.Task.IsCompleted;

    /// <summary>Called when the loop has ended (after the run was told): the grain deactivates.</summary>
    public Action? Ended { get; init; }

    public void Start()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = $"u2pl worker {_key}" };
        // Outside the grain's context: the loop's calls must not carry the Start call's RequestContext, nor be
        // answered on the grain's scheduler (its deactivation waits for this loop).
        using (ExecutionContext.SuppressFlow())
        {
            thread.Start();
        }
    }

    public void RequestStop(string reason)
    {
        if (_stopReason.Length == 0) _stopReason = reason;
        _stop.Cancel();
    }

    private void Run()
    {
        var run = _grains.GetGrain<ITrainingRunGrain>(_assignment.RunId);
        var stop = new WorkerStop { Reason = WorkerStopReason.Finished, Detail = "finished" };
        try
        {
            using IWorkerSession session = RunModel.Options(_assignment.ConfigText).Cluster.Mode == ClusterMode.Sync
                ? new SyncWorkerSession(_key, _assignment, _grains, _logger)
                : new WorkerSession(_key, _assignment, _grains, _logger);
            _info = _info with { State = WorkerState.Training };
            stop = Train(session, run);
        }
        catch (Exception e)
        {
            stop = new WorkerStop { Reason = WorkerStopReason.Failed, Detail = e.Message };
            _logger.LogError(e, "worker {Worker} failed", _key);
            _info = _info with { State = WorkerState.Failed, Error = e.Message };
        }
        finally
        {
            if (_info.State != WorkerState.Failed) _info = _info with { State = WorkerState.Stopped };
            try
            {
                run.WorkerStopped(_key, stop).Wait(TimeSpan.FromSeconds(10));
            }
            catch (Exception e)
            {
                _logger.LogWarning("worker {Worker} could not tell the run it stopped: {Error}", _key, e.Message);
            }
            _completion.TrySetResult();
            Ended?.Invoke();
        }
    }

    private WorkerStop Train(IWorkerSession session, ITrainingRunGrain run)
    {
        var dispenser = _grains.GetGrain<IDataDispenserGrain>(_assignment.RunId);
        var clock = Stopwatch.StartNew();
        var barrier = new Stopwatch();
        double barrierSeconds = 0;
        long images = 0, steps = 0;
        while (!_stop.IsCancellationRequested)
        {
            LeaseReply reply;
            try
            {
                reply = dispenser.Lease(_key).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                Backoff("lease", e);
                continue;
            }
            if (reply.Status == LeaseStatus.Finished)
            {
                return new WorkerStop { Reason = WorkerStopReason.Finished, Detail = "the run's iterations are done" };
            }
            if (reply.Lease is not { } lease)
            {
                _info = _info with { State = reply.Status == LeaseStatus.Held ? WorkerState.Held : WorkerState.Idle };
                // Exhausted in sync mode: the step's other micro-batches are being computed; the next step opens soon.
                if (reply.Status == LeaseStatus.Exhausted) barrier.Start();
                _stop.Token.WaitHandle.WaitOne(reply.Status == LeaseStatus.Exhausted ? BarrierPoll : IdleWait);
                continue;
            }
            barrier.Stop();
            var barrierWait = barrier.Elapsed.TotalSeconds;
            barrierSeconds += barrierWait;
            barrier.Reset();
            _info = _info with { State = WorkerState.Training };
            StepReport result;
            try
            {
                result = session.Step(lease);
            }
            catch (StaleLeaseException e)
            {
                _logger.LogWarning("worker {Worker}: lease {Lease} given back: {Reason}", _key, lease.LeaseId, e.Message);
                TryReturn(dispenser, lease);
                _stop.Token.WaitHandle.WaitOne(IdleWait);
                continue;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                TryReturn(dispenser, lease);
                Backoff($"step {lease.Iteration}", e);
                continue;
            }
            try
            {
                if (result.Accepted) dispenser.Complete(lease.LeaseId, _key).GetAwaiter().GetResult();
                else dispenser.Return(lease.LeaseId, _key).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                _logger.LogWarning("worker {Worker}: completing lease {Lease} failed ({Error}); it will expire and be re-issued", _key, lease.LeaseId, e.Message);
            }
            steps++;
            images += result.Images;
            _info = _info with
            {
                ImagesPerSecond = images / Math.Max(1e-9, clock.Elapsed.TotalSeconds), Staleness = result.Staleness, Steps = steps,
                LastReport = DateTimeOffset.UtcNow, CommunicationSeconds = result.CommunicationSeconds, StepSeconds = result.StepSeconds,
                BytesPerStep = result.Bytes, Error = "",
                LastMicroBatch = lease.MicroBatches > 1 ? $"{lease.Iteration}/{lease.MicroBatch}" : "", BarrierWaitSeconds = barrierSeconds / steps,
            };
            try
            {
                // Bounded: a run busy in a long turn (a checkpoint, a stop that waits for this worker) must not hold the loop.
                var directive = run.Report(new WorkerReport
                {
                    Worker = _info, Iteration = lease.Iteration, Images = result.Images, Accepted = result.Accepted,
                    SupervisedLoss = result.Metrics.SupervisedLoss, UnsupervisedLoss = result.Metrics.UnsupervisedLoss,
                    ContrastiveLoss = result.Metrics.ContrastiveLoss, Alpha = result.Metrics.Alpha, LearningRate = result.Metrics.LearningRate,
                    LambdaU = result.Metrics.LambdaU, Gamma = result.Metrics.Gamma, MicroBatch = lease.MicroBatch, BarrierWaitSeconds = barrierWait,
                }).WaitAsync(ReportWait).GetAwaiter().GetResult();
                if (directive == WorkerDirective.Stop)
                {
                    return new WorkerStop { Reason = WorkerStopReason.Directed, Detail = "the run asked it to stop" };
                }
            }
            catch (Exception e)
            {
                _logger.LogWarning("worker {Worker}: report failed: {Error}", _key, e.Message);
            }
        }
        return new WorkerStop { Reason = WorkerStopReason.Requested, Detail = _stopReason.Length > 0 ? _stopReason : "stopped" };
    }

    private void TryReturn(IDataDispenserGrain dispenser, BatchLease lease)
    {
        try
        {
            dispenser.Return(lease.LeaseId, _key).Wait(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // The lease expires and is re-issued.
        }
    }

    private void Backoff(string what, Exception e)
    {
        _logger.LogWarning("worker {Worker}: {What} failed, retrying: {Error}", _key, what, e.Message);
        _info = _info with { State = WorkerState.Retrying, Error = e.Message };
        _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
    }
}

/// <summary>What one step did, for the report.</summary>
internal sealed record StepReport(StepMetrics Metrics, int Images, bool Accepted, long Staleness, double StepSeconds, double CommunicationSeconds, long Bytes);
