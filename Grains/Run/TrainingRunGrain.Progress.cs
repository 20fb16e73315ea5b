using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using Orleans.Runtime;
using Orleans.Storage;
using U2PL.Grains.Model;
using U2PL.Grains.Placement;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Run;

/// <summary>The run's reconciliation: progress, checkpoints, validation, workers, status.</summary>
public sealed partial class TrainingRunGrain
{
    private async Task Tick(CancellationToken cancellationToken)
    {
        if (_record is not { } record || IsFinished(record.State) || _busy)
        {
            return;
        }
        _busy = true;
        try
        {
            var now = DateTimeOffset.UtcNow;
            if (record.State is RunState.WarmUp or RunState.Semi) record.SecondsTrained += (now - _tickedAt).TotalSeconds;
            _tickedAt = now;
            _progress = await Dispenser().Progress();
            record.Iteration = _progress.CompletedThrough;
            if (record.State is RunState.WarmUp or RunState.Semi) record.State = Phase(record.Iteration);
            await CollectStatistics();
            await CollectEvaluation(wait: false);

            if (record.Iteration >= record.LastIteration)
            {
                await Complete();
                return;
            }
            var epochsDone = (int)(record.Iteration / record.StepsPerEpoch);
            if (epochsDone > record.EpochsEvaluated && record.State != RunState.Paused)
            {
                // The dispenser held the next epoch's steps back: the checkpoint and validation see exactly this epoch.
                record.EpochsEvaluated = epochsDone;
                await Checkpoint("last", holdAfter: false);
                var every = Options.EvaluateEveryEpochs;
                if (every > 0 && epochsDone % every == 0 && _evaluation is null)
                {
                    StartEvaluation(epochsDone - 1, final: false);
                }
            }
            else if (Options.CheckpointEverySteps > 0 && record.Iteration - record.LastCheckpointIteration >= Options.CheckpointEverySteps && record.State != RunState.Paused)
            {
                await Checkpoint("last", holdAfter: false);
            }
            // Every tick, so that a dispenser reactivated elsewhere gets its gate back.
            await Dispenser().OpenThrough((record.EpochsEvaluated + 1) * record.StepsPerEpoch);
            if (record.State != RunState.Paused)
            {
                await ReconcileWorkers();
            }
            await Persist();
            await Registry().Update(Summary());
            var status = Status();
            PublishMetrics(status);
            foreach (var observer in _observers.ToList())
            {
                _ = Notify(observer, o => o.OnStatus(status));
            }
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            logger.LogWarning("run {Run}: reconcile failed: {Error}", RunId, e.Message);
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task Complete()
    {
        var record = Record;
        await Checkpoint("last", holdAfter: true);
        StopAllWorkers("the run completed");
        if (_evaluation is not null) await CollectEvaluation(wait: true);
        // The epoch the run ended in: the last one, or an earlier one where trainer.max_iterations cut it.
        StartEvaluation((int)((record.Iteration - 1) / record.StepsPerEpoch), final: true);
        await CollectEvaluation(wait: true);
        record.State = RunState.Completed;
        Emit("completed", $"completed {record.Iteration} iterations in {record.SecondsTrained:F0} s; val mIoU {record.LastMeanIoU * 100:F2} (best {record.BestMeanIoU * 100:F2}); checkpoint {record.LastCheckpoint}");
        await Finish();
    }

    private async Task Finish()
    {
        RetireMetrics();
        _timer?.Dispose();
        _timer = null;
        CloseTensorBoard();
        if (_store is not null)
        {
            await _store.DisposeAsync(); // waits for the last publication
            _store = null;
        }
        await Persist();
        await Registry().Update(Summary());
        var status = Status();
        foreach (var observer in _observers.ToList())
        {
            await Notify(observer, o => o.OnStatus(status));
        }
    }

    /// <summary>
    /// A consistent checkpoint: no new leases, wait until every outstanding step has been pushed, then every shard's and
    /// bank's state is exported and written in the single-process format.
    /// </summary>
    private async Task Checkpoint(string name, bool holdAfter)
    {
        var record = Record;
        var dispenser = Dispenser();
        await dispenser.Hold(true);
        try
        {
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(Options.Cluster.LeaseTimeoutSeconds + 10);
            var progress = await dispenser.Progress();
            while (progress.Outstanding > 0 && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100);
                progress = await dispenser.Progress();
            }
            if (progress.Outstanding > 0)
            {
                Emit("warning", $"checkpoint: {progress.Outstanding} leases still outstanding after the barrier's deadline; they will be redone after a restore");
            }
            record.Iteration = progress.CompletedThrough;
            _progress = progress;
            var shards = await Task.WhenAll(Enumerable.Range(0, record.Shards).Select(k => GrainFactory.GetGrain<IParameterServerGrain>(GrainKeys.Shard(RunId, k)).Export()));
            var banks = await Task.WhenAll(Enumerable.Range(0, record.Classes).Select(c => GrainFactory.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(RunId, c)).Export()));
            var info = new CheckpointInfo
            {
                Iteration = record.Iteration, Epoch = (int)Math.Min(record.Epochs - 1, Math.Max(0, record.Iteration - 1) / record.StepsPerEpoch),
                Seed = Options.Seed, EvaluatedModel = EvaluatedModel(record.Iteration), BestMeanIoU = record.BestMeanIoU, LastMeanIoU = record.LastMeanIoU,
                Config = record.ConfigText, SavedAt = DateTimeOffset.UtcNow,
            };
            var directory = record.CheckpointDirectory;
            var model = Options.Model;
            // Writing ~100s of MB is file work, off the grain's turn thread.
            record.LastCheckpoint = await Task.Run(() => ClusterCheckpoint.Write(directory, name, shards, banks, model, info));
            record.LastCheckpointIteration = record.Iteration;
            Emit("checkpoint", $"{record.LastCheckpoint} at iteration {record.Iteration}");
            await PublishAsync(record.LastCheckpoint, record.Iteration);
        }
        finally
        {
            if (!holdAfter)
            {
                await dispenser.Hold(false);
            }
        }
    }

    /// <summary>Queues the checkpoint for the durable store, if the config names one (a store error is an event, not a stop).</summary>
    private async Task PublishAsync(string checkpoint, long iteration)
    {
        if (Options.CheckpointStore is not { Length: > 0 } uri)
        {
            return;
        }
        try
        {
            _store ??= await RunCheckpointStore.OpenAsync(uri, Options.CheckpointKeepLast);
            _store.Publish(checkpoint, iteration);
        }
        catch (Exception e)
        {
            Emit("error", $"checkpoint store {uri}: {e.Message}");
        }
    }

    private string EvaluatedModel(long iteration) => Record.Semi && iteration > Record.WarmupIterations ? "teacher" : "student";

    /// <summary>Validates the last checkpoint's evaluated model on a pool thread (a copy, so later checkpoints do not disturb it).</summary>
    private void StartEvaluation(int epoch, bool final)
    {
        var record = Record;
        var source = record.LastCheckpoint;
        if (source.Length == 0) return;
        var copy = Path.Combine(record.CheckpointDirectory, "evaluating.safetensors");
        File.Copy(source, copy, overwrite: true);
        File.Copy(Path.ChangeExtension(source, ".json"), Path.ChangeExtension(copy, ".json"), overwrite: true);
        var options = Options;
        _evaluation = Task.Run(() =>
        {
            using var model = TrainingCheckpoint.LoadEvaluatedModel(copy);
            var validation = TrainingDatasets.OpenValidation(options.Data);
            var evaluator = new Evaluator(options.Data.ValMode, options.Data.ValAugmentation, options.Data.ValCropSize);
            var result = evaluator.Evaluate(model, validation);
            var info = TrainingCheckpoint.ReadInfo(copy);
            return new EvaluationOutcome(epoch, info.EvaluatedModel, copy, result, final, DrawOverlays(options, info.Iteration, model, validation));
        });
    }

    private async Task CollectEvaluation(bool wait)
    {
        if (_evaluation is not { } evaluation || (!wait && !evaluation.IsCompleted))
        {
            return;
        }
        _evaluation = null;
        try
        {
            var outcome = await evaluation;
            WriteEvaluationToTensorBoard(outcome.Result, outcome.Drawing);
            var record = Record;
            record.LastMeanIoU = outcome.Result.MeanIoU;
            RecordEvaluation(outcome.Epoch, outcome.Model, outcome.Result, outcome.Drawing.ClassNames, outcome.Drawing.Overlays);
            Emit("evaluated", $"epoch {outcome.Epoch + 1}: val mIoU {outcome.Result.MeanIoU * 100:F2} ({outcome.Model})");
            if (outcome.Result.MeanIoU > record.BestMeanIoU)
            {
                record.BestMeanIoU = outcome.Result.MeanIoU;
                File.Copy(outcome.Checkpoint, Path.Combine(record.CheckpointDirectory, "best.safetensors"), overwrite: true);
                File.Copy(Path.ChangeExtension(outcome.Checkpoint, ".json"), Path.Combine(record.CheckpointDirectory, "best.json"), overwrite: true);
            }
        }
        catch (Exception e)
        {
            Emit("error", $"validation failed: {e.Message}");
        }
    }

    private int DesiredWorkers()
    {
        var record = Record;
        if (!record.DesiredAuto)
        {
            return record.DesiredCount;
        }
        return new ClusterView(ServiceProvider).GpuSlots();
    }

    /// <summary>
    /// Starts the desired slots that have no live worker and asks the surplus ones to stop, without waiting for either:
    /// a start that has to wait for its placement (a slot whose silo just died) must not hold the run's turns.
    /// </summary>
    private async Task ReconcileWorkers()
    {
        var record = Record;
        var desired = DesiredWorkers();
        var now = DateTimeOffset.UtcNow;
        // Starting a live worker again is harmless (Start is idempotent), so silence can be short: a lease's lifetime.
        var silence = TimeSpan.FromSeconds(Options.Cluster.LeaseTimeoutSeconds + 5);
        var assignment = new WorkerAssignment { RunId = RunId, ConfigText = record.ConfigText, Shards = record.Shards, Threads = Options.Cluster.WorkerThreads };
        await ReleaseWorkersOfDeadSilos();
        for (var slotIndex = 0; slotIndex < desired; slotIndex++)
        {
            var key = GrainKeys.Worker(RunId, slotIndex);
            var known = _workers.TryGetValue(key, out var slot);
            var silent = known && (slot!.Reported ? now - slot.LastHeard > silence : now - slot.StartedAt > WorkerStartGrace);
            if (known && !silent) continue;
            if (silent)
            {
                Emit("failed", $"{key} on {slot!.Info.Silo} has not reported for {(now - slot.LastHeard).TotalSeconds:F0} s; starting it again");
                _workers.Remove(key);
            }
            _ = StartWorker(key, assignment); // registers the slot as starting before its first await
        }
        foreach (var (key, slot) in _workers.Where(w => GrainKeys.SlotOf(w.Key) >= desired && !w.Value.Stopping).ToList())
        {
            slot.Stopping = true;
            _ = StopWorker(key, "scaled down");
        }
    }

    /// <summary>
    /// Workers on a silo the membership declared dead: their leases are handed out again at once (not after the lease
    /// timeout) and their slots are started again elsewhere.
    /// </summary>
    private async Task ReleaseWorkersOfDeadSilos()
    {
        var dead = new ClusterView(ServiceProvider).DeadSilos();
        foreach (var (key, slot) in _workers.Where(w => dead.Contains(w.Value.Info.Silo)).ToList())
        {
            _workers.Remove(key);
            _placement.Remove(key);
            var released = await Dispenser().Release(key);
            Emit("failed", $"{key}: its silo {slot.Info.Silo} was declared dead; {released} lease(s) handed out again, the slot is started elsewhere");
        }
    }

    private async Task StartWorker(string key, WorkerAssignment assignment)
    {
        var slot = Slot(key);
        try
        {
            var info = await GrainFactory.GetGrain<IWorkerGrain>(key).Start(assignment);
            slot.Info = info;
            _placement[key] = info.Silo;
        }
        catch (Exception e)
        {
            _workers.Remove(key);
            if (Record.Events.LastOrDefault() is not { Kind: "capacity" })
            {
                Emit("capacity", $"cannot start {key}: {e.Message}");
            }
        }
    }

    private async Task StopWorker(string key, string reason)
    {
        try
        {
            await GrainFactory.GetGrain<IWorkerGrain>(key).Stop(reason);
        }
        catch (Exception e)
        {
            logger.LogWarning("run {Run}: stopping {Worker} failed: {Error}", RunId, key, e.Message);
        }
    }

    /// <summary>
    /// Asks every worker to stop without waiting for them: a worker finishes its step first, and its last report or
    /// stop notice comes back to this grain, which must not be waiting on it meanwhile. Their reports get the Stop directive.
    /// </summary>
    private void StopAllWorkers(string reason)
    {
        foreach (var key in _workers.Keys.ToList())
        {
            _ = StopWorker(key, reason);
        }
    }

    private async Task CollectStatistics()
    {
        var record = Record;
        try
        {
            var banks = await Task.WhenAll(Enumerable.Range(0, record.Classes).Select(c => GrainFactory.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(RunId, c)).Statistics()));
            _bankFill = banks.Select(b => b.Count).ToList();
            for (var c = 0; c < banks.Length; c++) _placement[GrainKeys.Bank(RunId, c).Replace(RunId, "bank")] = banks[c].Silo;
            var shards = await Task.WhenAll(Enumerable.Range(0, record.Shards).Select(k => GrainFactory.GetGrain<IParameterServerGrain>(GrainKeys.Shard(RunId, k)).Statistics()));
            _staleGradients = shards.Sum(s => s.RejectedStale + s.ScaledStale);
            for (var k = 0; k < shards.Length; k++) _placement[GrainKeys.Shard(RunId, k).Replace(RunId, "shard")] = shards[k].Silo;
            _placement["run"] = RuntimeIdentity;
        }
        catch (Exception e)
        {
            logger.LogDebug("run {Run}: statistics unavailable: {Error}", RunId, e.Message);
        }
    }

    private RunStatus Status()
    {
        var record = Record;
        var done = record.Iteration - record.StartIteration;
        var eta = done > 0 && record.SecondsTrained > 0 ? record.SecondsTrained / done * (record.LastIteration - record.Iteration) : 0;
        var report = _lastReport;
        return WithSyncSteps(new RunStatus
        {
            RunId = RunId, State = record.State, Message = record.Message,
            Desired = new WorkerTarget { Count = record.DesiredCount, Auto = record.DesiredAuto }, DesiredResolved = IsFinished(record.State) ? 0 : DesiredWorkers(),
            Iteration = record.Iteration, TotalIterations = record.LastIteration, Epoch = (int)Math.Min(record.Epochs - 1, record.Iteration / Math.Max(1, record.StepsPerEpoch)),
            Epochs = record.Epochs, SamplesDone = _progress.Epochs.Sum(e => e.SamplesDone), SecondsElapsed = record.SecondsTrained, EtaSeconds = eta,
            SupervisedLoss = report?.SupervisedLoss ?? 0, UnsupervisedLoss = report?.UnsupervisedLoss ?? 0, ContrastiveLoss = report?.ContrastiveLoss ?? 0,
            Alpha = report?.Alpha ?? 0, LearningRate = report?.LearningRate ?? 0,
            Workers = _workers.OrderBy(w => GrainKeys.SlotOf(w.Key)).Select(w => w.Value.Info).ToList(),
            BankFill = _bankFill, BankCapacity = Options.Method.ContrastiveOptions.BankCapacity,
            LastMeanIoU = record.LastMeanIoU, BestMeanIoU = record.BestMeanIoU, LastCheckpoint = record.LastCheckpoint,
            RecentEvents = record.Events.TakeLast(10).ToList(), OutputDirectory = record.CheckpointDirectory, StaleGradients = _staleGradients,
            ImagesPerSecond = _workers.Values.Where(w => w.Reported).Sum(w => w.Info.ImagesPerSecond),
            Placement = _placement.Select(p => new GrainPlacement { Grain = p.Key, Silo = p.Value }).ToList(),
            Coverage = _progress.Epochs,
        });
    }

    private RunSummary Summary()
    {
        var record = Record;
        return new RunSummary
        {
            RunId = RunId, State = record.State, ConfigSource = record.ConfigSource, Created = record.Created, Iteration = record.Iteration,
            TotalIterations = record.LastIteration, LastMeanIoU = record.LastMeanIoU,
        };
    }
}
