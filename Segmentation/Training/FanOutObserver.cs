using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;

namespace U2PL.Segmentation.Training;

/// <summary>Passes every event to each observer in turn (the console or JSON lines, and the TensorBoard log).</summary>
public sealed class FanOutObserver(params IReadOnlyList<ITrainingObserver> observers) : ITrainingObserver
{
    public void OnStep(TrainingProgress progress)
    {
        foreach (var observer in observers) observer.OnStep(progress);
    }

    public void OnEvaluation(int epoch, string model, EvaluationResult result)
    {
        foreach (var observer in observers) observer.OnEvaluation(epoch, model, result);
    }

    public void OnEvaluated(long iteration, EvaluationResult result, DeepLabV3Plus model, ISegmentationDataset validation)
    {
        foreach (var observer in observers) observer.OnEvaluated(iteration, result, model, validation);
    }

    public void OnCheckpoint(string path, long iteration)
    {
        foreach (var observer in observers) observer.OnCheckpoint(path, iteration);
    }

    public void OnMessage(string message)
    {
        foreach (var observer in observers) observer.OnMessage(message);
    }
}
