using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;

namespace U2PL.Segmentation.Training;

/// <summary>Where a run stands after a step.</summary>
public sealed record TrainingProgress(long Iteration, long TotalIterations, int Epoch, int Epochs, bool Warmup, StepMetrics Metrics,
    double ImagesPerSecond, TimeSpan Eta, TimeSpan StepTime, TimeSpan DataWait);

/// <summary>What a finished (or interrupted) run did.</summary>
public sealed record TrainingSummary(long Iterations, bool Interrupted, EvaluationResult? LastEvaluation, double BestMeanIoU, string? Checkpoint,
    TimeSpan Elapsed, double DataWaitShare, double MemoryBankShare, long BadSamplesSkipped);

/// <summary>Receives a run's progress (the CLI draws a progress bar or prints JSON lines; the cluster forwards events).</summary>
public interface ITrainingObserver
{
    void OnStep(TrainingProgress progress);

    void OnEvaluation(int epoch, string model, EvaluationResult result);

    /// <summary>
    /// Right after <see cref="OnEvaluation"/>, while the evaluated model is still loaded, with the global step
    /// (<see cref="TrainingProgress.Iteration"/> of the last step): for observers that draw its predictions (TensorBoard
    /// overlays). The model must be neither kept nor trained.
    /// </summary>
    void OnEvaluated(long iteration, EvaluationResult result, DeepLabV3Plus model, ISegmentationDataset validation)
    {
    }

    void OnCheckpoint(string path, long iteration);

    void OnMessage(string message);
}
