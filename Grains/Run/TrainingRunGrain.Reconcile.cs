using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using Orleans.Storage;

namespace U2PL.Grains.Run;

/// <summary>
/// The run's reconciliation every second: progress and phase from the dispenser, the epoch gate, checkpoints (every
/// saver.every_steps, at epoch ends, and at the end) and validations started in the background, the workers, the
/// status to subscribers. The run completes when its final validation is in.
/// </summary>
public sealed partial class TrainingRunGrain
{
    private IGrainTimer? _timer;
    private DateTimeOffset _tickedAt = DateTimeOffset.UtcNow;
    private bool _ticking;
    private bool _completing;
    private Task _collecting = Task.CompletedTask;

    private void StartTimer() => _timer ??= this.RegisterGrainTimer(Tick, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));

    private async Task Tick(CancellationToken cancellationToken)
    {
        if (_record is not { IsFinished: false } record || _ticking) return;
        _ticking = true;
        try
        {
            var units = Units;
            var now = time.GetUtcNow();
            if (record.State is RunState.WarmUp or RunState.Semi) record.SecondsTrained += (now - _tickedAt).TotalSeconds;
            _tickedAt = now;
            units.Projection.Progress = await Dispenser().Progress();
            record.Iteration = units.Projection.Progress.CompletedThrough;
            if (record.State is RunState.WarmUp or RunState.Semi && Phase(record.Iteration) is var phase && phase != record.State) { record.State = phase; Changed(); }
            await units.Projection.Collect(RuntimeIdentity);
            if (_collecting.IsCompleted) _collecting = CollectEvaluation(); // not awaited: the evaluation grain's silo may be slow to answer
            if (record.IsFinished) return;
            var epochsDone = (int)(record.Iteration / record.StepsPerEpoch);
            if (record.Iteration >= record.LastIteration)
            {
                // The completion takes the last checkpoint and validates the last epoch. That epoch's end must not start
                // a validation of its own on a later tick: one started after the final one was in would outlive the run,
                // and a process that exits under it (the demo) dies with SIGSEGV inside libtorch.
                if (!_completing)
                {
                    _completing = true;
                    _ = CompleteInBackground();
                }
            }
            else if (epochsDone > record.EpochsEvaluated && record.State != RunState.Paused)
            {
                record.EpochsEvaluated = epochsDone; // the dispenser held the next epoch back: checkpoint and validation see exactly this epoch
                Changed();
                _ = CheckpointInBackground(epochsDone - 1);
            }
            else if (units.Options.CheckpointEverySteps > 0 && record.Iteration - record.LastCheckpointIteration >= units.Options.CheckpointEverySteps
                     && record.State != RunState.Paused && !units.Checkpoints.Busy)
            {
                _ = CheckpointInBackground();
            }
            await Dispenser().OpenThrough((record.EpochsClosed + 1) * record.StepsPerEpoch); // every tick: a dispenser reactivated elsewhere gets its gate back
            if (record.State != RunState.Paused && !_completing) await ReconcileWorkers();
            await SaveChanges();
            await Registry().Update(units.Projection.Summary());
            units.Telemetry.Publish(Status());
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            LogReconcileFailed(logger, e, RunId);
        }
        finally
        {
            _ticking = false;
        }
    }

    /// <summary>A checkpoint outside the grain's turns; at an epoch's end it closes the epoch and starts its validation (every eval_every epochs).</summary>
    private async Task CheckpointInBackground(int? epochEnded = null)
    {
        try
        {
            var taken = await Units.Checkpoints.Take("last", HoldDispenser, CheckpointInfo);
            Changed();
            if (epochEnded is { } epoch)
            {
                Record.EpochsClosed = Math.Max(Record.EpochsClosed, epoch + 1);
                await Dispenser().OpenThrough((Record.EpochsClosed + 1) * Record.StepsPerEpoch);
                var every = Units.Options.EvaluateEveryEpochs;
                if (every > 0 && (epoch + 1) % every == 0 && !Units.Evaluations.Busy) await Units.Evaluations.Start(taken, epoch, final: false);
            }
            await SaveChanges();
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            Emit(RunEventKind.Error, $"checkpoint failed: {e.Message}");
        }
    }

    /// <summary>The end: the last checkpoint (the dispenser stays held), the workers told to stop, then the final validation (after any running one).</summary>
    private async Task CompleteInBackground()
    {
        try
        {
            var final = await Units.Checkpoints.Take("last", () => true, CheckpointInfo);
            Units.Workers.StopAll("the run completed");
            while (Units.Evaluations.Busy) await Task.Delay(TimeSpan.FromSeconds(1));
            await Units.Evaluations.Start(final, (int)((Record.Iteration - 1) / Record.StepsPerEpoch), final: true);
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            Emit(RunEventKind.Error, $"completing the run failed, trying again: {e.Message}");
            _completing = false;
        }
    }

    private async Task CollectEvaluation()
    {
        // Poll answers null while the validation runs or its silo does not answer.
        if (await Units.Evaluations.Poll() is not { } finished || Record is not { IsFinished: false } record) return;
        if (finished.Report is { } report)
        {
            Units.Telemetry.Evaluated(report);
            record.Evaluated(report, time.GetUtcNow());
            Emit(RunEventKind.Evaluated, $"epoch {report.Epoch + 1}: val mIoU {report.MeanIoU * 100:F2} ({report.Model}, {report.Seconds:F0} s on {report.Silo})");
        }
        else
        {
            Emit(RunEventKind.Error, $"validation failed: {finished.Error}");
        }
        Changed();
        if (finished.Final)
        {
            record.State = RunState.Completed;
            Emit(RunEventKind.Completed, $"completed {record.Iteration} iterations in {record.SecondsTrained:F0} s; val mIoU {record.LastMeanIoU * 100:F2} " +
                                         $"(best {record.BestMeanIoU * 100:F2}); checkpoint {record.LastCheckpoint}");
            await Finish();
        }
    }

    private async Task Finish()
    {
        _timer?.Dispose(); // no tick after the end
        _timer = null;
        await Units.Checkpoints.DisposeAsync(); // waits for the last publication to the store
        Changed();
        await SaveChanges();
        await Registry().Update(Units.Projection.Summary());
        Units.Telemetry.Publish(Status());
        Units.Telemetry.Close();
    }

    private Task ReconcileWorkers() => Units.Workers.Reconcile(DesiredWorkers(), cluster.DeadSilos(),
        new WorkerAssignment { RunId = RunId, ConfigText = Record.ConfigText, Shards = Record.Shards, Threads = Units.Options.Cluster.WorkerThreads });

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {Run}: reconcile failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, string run);
}
