using U2PL.Grains.DataPlane;
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
/// shard and the step's negatives to every class's bank (one block per class), complete the lease, report. In sync
/// mode a micro-batch's pushes travel while the next micro-batch of the step computes; its lease is completed after
/// that compute, or before the worker waits at the step's barrier (at most two micro-batches' pushes in flight). A failed
/// call (a silo died) gives the lease back and tries again. Every call waits through <see cref="WorkerCalls"/>: the
/// run's directive or <see cref="RequestStop"/> ends the loop at once while it leases or pulls, and else once the step
/// in progress is computed and pushed (pushes, completion and report are cut <see cref="WorkerCalls.FinishGrace"/>
/// after the stop).
/// </summary>
internal sealed partial class WorkerLoop
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ReportWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReturnWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BarrierPoll = TimeSpan.FromMilliseconds(20);

    private readonly string _key;
    private readonly WorkerAssignment _assignment;
    private readonly IGrainFactory _grains;
    private readonly DatasetTypes _datasetTypes;
    private readonly SiloDataPlane? _dataPlane;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile WorkerInfo _info;
    private string _stopReason = "";

    public WorkerLoop(string key, WorkerAssignment assignment, IGrainFactory grains, DatasetTypes datasetTypes, SiloDataPlane? dataPlane, ILogger logger, string silo)
    {
        _key = key;
        _assignment = assignment;
        _grains = grains;
        _datasetTypes = datasetTypes;
        _dataPlane = dataPlane;
        _logger = logger;
        _info = new WorkerInfo { WorkerKey = key, Silo = silo, State = WorkerState.Starting, LastReport = DateTimeOffset.UtcNow };
    }

    public WorkerInfo Info => _info;

    /// <summary>Completes when the loop has ended (after the run was told).</summary>
    public Task Completion => _completion.Task;

    public bool IsRunning => !_completion.Task.IsCompleted;

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
            var options = RunModel.Options(_assignment.ConfigText);
            var calls = new WorkerCalls(WorkerCalls.DeadlineFor(options.Cluster), _stop.Token);
            using IWorkerSession session = options.Cluster.Mode == ClusterMode.Sync
                ? new SyncWorkerSession(_key, _assignment, _grains, _datasetTypes, options.Cluster.DataPlane ? _dataPlane : null, calls, _logger)
                : new WorkerSession(_key, _assignment, _grains, _datasetTypes, calls, _logger);
            _info = _info with { State = WorkerState.Training };
            stop = Train(session, run, calls);
        }
        catch (Exception e)
        {
            stop = new WorkerStop { Reason = WorkerStopReason.Failed, Detail = e.Message };
            LogFailed(e, _key);
            _info = _info with { State = WorkerState.Failed, Error = e.Message };
        }
        finally
        {
            if (_info.State != WorkerState.Failed) _info = _info with { State = WorkerState.Stopped };
            try
            {
                WorkerCalls.Notify(run.WorkerStopped(_key, stop));
            }
            catch (Exception e)
            {
                LogNoticeFailed(e, _key);
            }
            _completion.TrySetResult();
        }
    }

    private WorkerStop Train(IWorkerSession session, ITrainingRunGrain run, WorkerCalls calls)
    {
        var dispenser = _grains.GetGrain<IDataDispenserGrain>(_assignment.RunId);
        var progress = new LoopProgress();
        var barrier = new Stopwatch();
        PendingStep? pending = null;
        var directed = false;
        try
        {
            while (!calls.Stopping && !directed)
            {
                LeaseReply reply;
                var leasing = dispenser.Lease(_key);
                try
                {
                    reply = calls.Wait(leasing);
                }
                catch (Exception e)
                {
                    if (!leasing.IsCompleted) ReturnWhenGranted(dispenser, leasing);
                    if (calls.Stopping) break;
                    Backoff("lease", e);
                    continue;
                }
                if (reply.Status == LeaseStatus.Finished)
                {
                    return new WorkerStop { Reason = WorkerStopReason.Finished, Detail = "the run's iterations are done" };
                }
                if (reply.Lease is not { } lease)
                {
                    // The step waits for this worker's last micro-batch: its lease is completed before waiting.
                    if (pending is { } last)
                    {
                        pending = null;
                        directed = Finish(last, dispenser, run, calls, progress);
                        continue;
                    }
                    _info = _info with { State = reply.Status == LeaseStatus.Held ? WorkerState.Held : WorkerState.Idle };
                    // Exhausted in sync mode: the step's other micro-batches are being computed; the next step opens soon.
                    if (reply.Status == LeaseStatus.Exhausted) barrier.Start();
                    _stop.Token.WaitHandle.WaitOne(reply.Status == LeaseStatus.Exhausted ? BarrierPoll : IdleWait);
                    continue;
                }
                barrier.Stop();
                var barrierWait = barrier.Elapsed.TotalSeconds;
                progress.BarrierSeconds += barrierWait;
                barrier.Reset();
                _info = _info with { State = WorkerState.Training };
                var previous = pending;
                pending = null;
                StepReport? result = null;
                Exception? failure = null;
                try
                {
                    result = session.Step(lease);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failure = e;
                }
                // The previous micro-batch's pushes travelled while this one computed: its lease is completed now.
                if (previous is not null && Finish(previous, dispenser, run, calls, progress))
                {
                    directed = true;
                }
                if (result is not null)
                {
                    var computed = new PendingStep(lease, result, barrierWait);
                    if (!result.Pushes.IsCompleted)
                    {
                        pending = computed; // finished after the next micro-batch's compute, or before a wait
                    }
                    else if (Finish(computed, dispenser, run, calls, progress))
                    {
                        directed = true; // async mode: the step's pushes were waited for in the step
                    }
                    continue;
                }
                if (!Failed(failure!, lease, dispenser, calls))
                {
                    break;
                }
            }
        }
        finally
        {
            // A stop or a directive while pushes of a computed micro-batch travel: its lease is still completed.
            if (pending is not null) directed |= Finish(pending, dispenser, run, calls, progress);
        }
        return directed
            ? new WorkerStop { Reason = WorkerStopReason.Directed, Detail = "the run asked it to stop" }
            : new WorkerStop { Reason = WorkerStopReason.Requested, Detail = _stopReason.Length > 0 ? _stopReason : "stopped" };
    }

    /// <summary>A lease whose step failed: given back (or completed once pushes already sent answer); false when the loop is to end.</summary>
    private bool Failed(Exception failure, BatchLease lease, IDataDispenserGrain dispenser, WorkerCalls calls)
    {
        switch (failure)
        {
            case StaleLeaseException stale:
                LogStaleLease(stale, _key, lease.LeaseId);
                TryReturn(dispenser, lease, calls);
                _stop.Token.WaitHandle.WaitOne(IdleWait);
                return true;
            case PushesInFlightException inFlight:
                FinishWhenAnswered(dispenser, lease, inFlight.Accepted);
                if (calls.Stopping) return false;
                Backoff($"step {lease.Iteration}'s pushes", inFlight.InnerException ?? inFlight);
                return true;
            case OperationCanceledException when calls.Stopping:
                TryReturn(dispenser, lease, calls);
                return false;
            default:
                TryReturn(dispenser, lease, calls);
                Backoff($"step {lease.Iteration}", failure);
                return true;
        }
    }

    /// <summary>
    /// Finishes a computed micro-batch (or step): waits for its pushes, completes its lease (gives it back if the
    /// shards refused it), and reports to the run; true when the run's answer is to stop.
    /// </summary>
    private bool Finish(PendingStep step, IDataDispenserGrain dispenser, ITrainingRunGrain run, WorkerCalls calls, LoopProgress progress)
    {
        var (lease, result, barrierWait) = step;
        var waiting = Stopwatch.StartNew();
        bool accepted;
        try
        {
            accepted = calls.WaitForPushes(result.Pushes, taken => taken);
        }
        catch (PushesInFlightException e)
        {
            FinishWhenAnswered(dispenser, lease, e.Accepted);
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TryReturn(dispenser, lease, calls);
            if (!calls.Stopping) Backoff($"step {lease.Iteration}'s pushes", e);
            return false;
        }
        var communication = result.CommunicationSeconds + waiting.Elapsed.TotalSeconds;
        try
        {
            calls.Finish(accepted ? dispenser.Complete(lease.LeaseId, _key) : dispenser.Return(lease.LeaseId, _key));
        }
        catch (Exception e)
        {
            // Cut by a stop, it was sent all the same: the dispenser takes it whether or not this loop waits.
            if (!calls.Stopping) LogCompleteFailed(e, _key, lease.LeaseId);
        }
        progress.Steps++;
        progress.Images += result.Images;
        _info = _info with
        {
            ImagesPerSecond = progress.Images / Math.Max(1e-9, progress.Clock.Elapsed.TotalSeconds), Staleness = result.Staleness, Steps = progress.Steps,
            LastReport = DateTimeOffset.UtcNow, CommunicationSeconds = communication, StepSeconds = result.StepSeconds,
            BytesPerStep = result.Bytes, Error = "",
            LastMicroBatch = lease.MicroBatches > 1 ? $"{lease.Iteration}/{lease.MicroBatch}" : "", BarrierWaitSeconds = progress.BarrierSeconds / progress.Steps,
        };
        try
        {
            // Bounded: a run busy in a long turn (a checkpoint, a stop that waits for this worker) must not hold the loop.
            var directive = calls.Finish(run.Report(new WorkerReport
            {
                Worker = _info, Iteration = lease.Iteration, Images = result.Images, Accepted = accepted,
                SupervisedLoss = result.Metrics.SupervisedLoss, UnsupervisedLoss = result.Metrics.UnsupervisedLoss,
                ContrastiveLoss = result.Metrics.ContrastiveLoss, Alpha = result.Metrics.Alpha, LearningRate = result.Metrics.LearningRate,
                LambdaU = result.Metrics.LambdaU, Gamma = result.Metrics.Gamma, MicroBatch = lease.MicroBatch, BarrierWaitSeconds = barrierWait,
            }), ReportWait);
            return directive == WorkerDirective.Stop;
        }
        catch (Exception e)
        {
            if (!calls.Stopping) LogReportFailed(e, _key);
            return false;
        }
    }

    /// <summary>Gives the lease back, best effort: unanswered (the worker stops, the dispenser is gone), it expires and is re-issued.</summary>
    private void TryReturn(IDataDispenserGrain dispenser, BatchLease lease, WorkerCalls calls)
    {
        try
        {
            calls.Wait(dispenser.Return(lease.LeaseId, _key), ReturnWait);
        }
        catch (Exception)
        {
            // The lease expires and is re-issued.
        }
    }

    /// <summary>A lease request whose wait was cut: a lease it still grants is given back rather than left to expire.</summary>
    private void ReturnWhenGranted(IDataDispenserGrain dispenser, Task<LeaseReply> leasing) =>
        _ = leasing.ContinueWith(t => t.Result.Lease is { } lease ? dispenser.Return(lease.LeaseId, _key) : Task.CompletedTask,
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap()
            .ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>Completes the lease once the step's pushes answer (returns it if they were refused), as an uncut step would.</summary>
    private void FinishWhenAnswered(IDataDispenserGrain dispenser, BatchLease lease, Task<bool> accepted) =>
        _ = accepted.ContinueWith(t => t.Result ? dispenser.Complete(lease.LeaseId, _key) : dispenser.Return(lease.LeaseId, _key),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap()
            .ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private void Backoff(string what, Exception e)
    {
        LogRetrying(e, _key, what);
        _info = _info with { State = WorkerState.Retrying, Error = e.Message };
        _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Error, Message = "worker {Worker} failed")]
    private partial void LogFailed(Exception exception, string worker);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "worker {Worker} could not tell the run it stopped")]
    private partial void LogNoticeFailed(Exception exception, string worker);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "worker {Worker}: lease {Lease} given back (stale)")]
    private partial void LogStaleLease(Exception exception, string worker, long lease);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "worker {Worker}: completing lease {Lease} failed; it will expire and be re-issued")]
    private partial void LogCompleteFailed(Exception exception, string worker, long lease);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "worker {Worker}: report failed")]
    private partial void LogReportFailed(Exception exception, string worker);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "worker {Worker}: {What} failed, retrying")]
    private partial void LogRetrying(Exception exception, string worker, string what);
}

/// <summary>What one step did, for the report; <paramref name="Pushes"/> answers whether the shards took it.</summary>
internal sealed record StepReport(StepMetrics Metrics, int Images, Task<bool> Pushes, long Staleness, double StepSeconds, double CommunicationSeconds, long Bytes);

/// <summary>A computed micro-batch (or step) whose pushes may still travel, and the barrier wait before it.</summary>
internal sealed record PendingStep(BatchLease Lease, StepReport Report, double BarrierWait);

/// <summary>The loop's running totals for its reports.</summary>
internal sealed class LoopProgress
{
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
    public long Steps { get; set; }
    public long Images { get; set; }
    public double BarrierSeconds { get; set; }
}
