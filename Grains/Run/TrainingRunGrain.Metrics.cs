using Microsoft.Extensions.DependencyInjection;
using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>
/// The run's series in the silo's <see cref="TrainingMetrics"/>: published from the status every tick, retired when
/// the run finishes or this activation ends (the lifecycle's stop also runs when the grain deactivates on shutdown or
/// steps aside for a newer activation), so that a silo never reports a run it no longer coordinates.
/// </summary>
public sealed partial class TrainingRunGrain : ILifecycleParticipant<IGrainLifecycle>
{
    private long _imagesTrained;
    private TrainingMetrics? _metrics;

    void ILifecycleParticipant<IGrainLifecycle>.Participate(IGrainLifecycle lifecycle) =>
        lifecycle.Subscribe($"{nameof(TrainingRunGrain)}.Metrics", GrainLifecycleStage.Activate,
            _ => Task.CompletedTask, _ => { RetireMetrics(); return Task.CompletedTask; });

    /// <summary>Counts a worker report's images (those of accepted steps: a rejected stale gradient trained nothing).</summary>
    private void RecordMetrics(WorkerReport report)
    {
        if (report.Accepted) _imagesTrained += report.Images;
    }

    private void PublishMetrics(RunStatus status)
    {
        if (status.IsFinished)
        {
            RetireMetrics();
            return;
        }
        // A host set up without AddU2plSilo (a test cluster) has no meter; the run trains the same.
        _metrics ??= ServiceProvider.GetService<TrainingMetrics>();
        if (_metrics is null) return;
        var contrastive = Options.Method.ContrastiveOptions;
        _metrics.Publish(new RunSeries
        {
            RunId = RunId, Iteration = status.Iteration,
            Losses = _lastReport is null ? null : (status.SupervisedLoss, status.UnsupervisedLoss, status.ContrastiveLoss),
            Alpha = _lastReport is null ? null : status.Alpha, LearningRate = _lastReport is null ? null : status.LearningRate,
            UnsupervisedWeight = _lastReport?.LambdaU,
            EntropyThreshold = _lastReport is { Gamma: var gamma } && double.IsFinite(gamma) ? gamma : null, // γt is infinite in warm-up
            Images = _imagesTrained, ImagesPerSecond = status.ImagesPerSecond, DesiredWorkers = status.DesiredResolved,
            Workers = status.Workers.GroupBy(w => w.State).ToDictionary(g => g.Key, g => g.Count()),
            StaleGradients = status.StaleGradients, MaxStaleness = status.Workers.Select(w => w.Staleness).DefaultIfEmpty().Max(),
            BankFill = status.BankFill,
            BankCapacity = status.BankFill.Select((_, c) => c == 0 ? contrastive.BackgroundBankCapacity : contrastive.BankCapacity).ToList(),
            MeanIoU = status.LastMeanIoU,
        });
    }

    private void RetireMetrics() => _metrics?.Retire(RunId);
}
