using U2PL.Segmentation.Evaluation;

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

    void OnCheckpoint(string path, long iteration);

    void OnMessage(string message);
}
