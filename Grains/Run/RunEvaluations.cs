using U2PL.Contracts;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// A run's validations, on its <see cref="IEvaluationGrain"/> (a GPU-role silo): one at a time, requested after an
/// epoch-end checkpoint with that checkpoint's evaluated model, followed on the run's ticks (sent again if the
/// evaluation grain's silo died), and, when it is the best so far, that checkpoint copied to <c>best.*</c> off the
/// grain's thread. The checkpoint is first copied to <c>evaluating.*</c>, since later checkpoints overwrite <c>last.*</c>.
/// </summary>
internal sealed class RunEvaluations(IGrainFactory grains, RunRecord record, TrainingOptions options)
{
    private const string Evaluating = "evaluating";

    /// <summary>
    /// How long the run's tick waits for the evaluation grain: a silo that hangs must not hold the run's turns (an
    /// unanswered poll counts as still running; an unanswered start is sent again when a poll finds the request unknown).
    /// </summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);
    private PendingEvaluation? _pending;
    private Task _copying = Task.CompletedTask; // best.* from evaluating.*, off the run's turns
    private long _nextRequestId = DateTimeOffset.UtcNow.UtcTicks; // unique across this run grain's activations

    /// <summary>A validation is being started or runs: the next one waits (callers check this before <see cref="Start"/>).</summary>
    public bool Busy => _starting || _pending is not null;

    private bool _starting; // from the call of Start until the request is pending: its copy is awaited in between

    /// <summary>Validates <paramref name="checkpoint"/>'s evaluated model as epoch <paramref name="epoch"/> (0-based).</summary>
    public async Task Start(TakenCheckpoint checkpoint, int epoch, bool final)
    {
        _starting = true;
        PendingEvaluation pending;
        try
        {
            var copy = Path.Combine(record.CheckpointDirectory, Evaluating + ".safetensors");
            var source = checkpoint.Path;
            await _copying;
            await Task.Run(() =>
            {
                File.Copy(source, copy, overwrite: true);
                File.Copy(Path.ChangeExtension(source, ".json"), Path.ChangeExtension(copy, ".json"), overwrite: true);
            });
            var request = new EvaluationRequest
            {
                RequestId = _nextRequestId++, ConfigText = record.ConfigText, Epoch = epoch, Iteration = checkpoint.Progress.CompletedThrough,
                Model = checkpoint.EvaluatedModel, Tensors = checkpoint.EvaluatedTensors(), Overlays = options.Logging.TensorBoardImages,
            };
            _pending = pending = new PendingEvaluation(request, copy, final);
        }
        finally
        {
            _starting = false;
        }
        await Send(pending.Request);
    }

    /// <summary>
    /// The pending validation's outcome once it is in (null while it runs); sent again if the evaluation grain lost
    /// it. A better mIoU than the run's best copies the evaluated checkpoint to <c>best.*</c>.
    /// </summary>
    public async Task<FinishedEvaluation?> Poll()
    {
        if (_pending is not { } pending)
        {
            return null;
        }
        EvaluationOutcome outcome;
        try
        {
            outcome = await Grain().Outcome(pending.Request.RequestId).WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return null; // its silo is slow or failing over: ask again on the next tick
        }
        switch (outcome.Progress)
        {
            case EvaluationProgress.Running:
                return null;
            case EvaluationProgress.Unknown:
                await Send(pending.Request);
                return null;
        }
        _pending = null;
        if (outcome.Report is not { } report)
        {
            return new FinishedEvaluation(null, outcome.Error, pending.Final, false);
        }
        var best = report.MeanIoU > record.BestMeanIoU;
        if (best)
        {
            var directory = record.CheckpointDirectory;
            _copying = Task.Run(() =>
            {
                File.Copy(pending.Checkpoint, Path.Combine(directory, "best.safetensors"), overwrite: true);
                File.Copy(Path.ChangeExtension(pending.Checkpoint, ".json"), Path.Combine(directory, "best.json"), overwrite: true);
            });
        }
        return new FinishedEvaluation(report, "", pending.Final, best);
    }

    private async Task Send(EvaluationRequest request)
    {
        try
        {
            await Grain().Start(request).WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            // not known to have arrived: a poll that finds the request unknown sends it again
        }
    }

    private IEvaluationGrain Grain() => grains.GetGrain<IEvaluationGrain>(record.RunId);

    private sealed record PendingEvaluation(EvaluationRequest Request, string Checkpoint, bool Final);
}

/// <summary>A validation's end: its report, or the error that ended it.</summary>
internal sealed record FinishedEvaluation(EvaluationReport? Report, string Error, bool Final, bool Best);
