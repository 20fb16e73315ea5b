using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.TensorBoard;

/// <summary>
/// <c>u2pl train</c>'s TensorBoard log: each step's scalars, each evaluation's mIoU, class IoUs and
/// <c>logging.tensorboard_images</c> overlays drawn from the evaluated model.
/// </summary>
public sealed class TensorBoardObserver(TensorBoardLog log, int images, AugmentationOptions normalization, Action<string> warn) : ITrainingObserver, IDisposable
{
    private bool _drawingFailed;

    /// <summary>The log <paramref name="options"/> ask for (in <c>&lt;snapshot_dir&gt;/tb</c> unless configured), or null when off.</summary>
    public static TensorBoardObserver? Create(TrainingOptions options, Action<string> warn) => options.Logging.TensorBoard
        ? new TensorBoardObserver(new TensorBoardLog(options.Logging.TensorBoardPath(options.OutputDirectory), warn), options.Logging.TensorBoardImages,
            options.Data.ValAugmentation, warn)
        : null;

    public string Directory => log.Directory;

    public void OnStep(TrainingProgress progress) =>
        log.Write(writer => TensorBoardSummaries.WriteStep(writer, progress.Iteration, progress.Metrics, !progress.Warmup, progress.ImagesPerSecond));

    public void OnEvaluation(int epoch, string model, EvaluationResult result)
    {
        // Written by OnEvaluated, which has the step and the model.
    }

    public void OnEvaluated(long iteration, EvaluationResult result, DeepLabV3Plus model, ISegmentationDataset validation)
    {
        var overlays = log.IsWriting ? Draw(model, validation) : [];
        log.Write(writer => TensorBoardSummaries.WriteEvaluation(writer, iteration, result, validation.ClassNames, overlays));
    }

    public void OnCheckpoint(string path, long iteration)
    {
    }

    public void OnMessage(string message)
    {
    }

    public void Dispose() => log.Dispose();

    private IReadOnlyList<PredictionOverlay> Draw(DeepLabV3Plus model, ISegmentationDataset validation)
    {
        if (images == 0 || _drawingFailed) return [];
        try
        {
            return PredictionOverlays.Render(model, validation, images, normalization);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _drawingFailed = true;
            warn($"TensorBoard overlays are off for the rest of the run: {e.Message}");
            return [];
        }
    }
}
