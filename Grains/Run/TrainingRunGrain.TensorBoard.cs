using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.TensorBoard;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// The run's TensorBoard log (logging.*): written here, once per run, not by the workers: each accepted step's scalars
/// with the cluster's shape, each evaluation's IoUs and overlays. In <c>&lt;run output directory&gt;/tb</c>; a grain
/// reactivated elsewhere opens a new event file in the same folder. Writes happen on the grain's turns only.
/// </summary>
public sealed partial class TrainingRunGrain
{
    /// <summary>Sync mode's barrier wait per step (README "TensorBoard"); the other tags are <see cref="TensorBoardSummaries"/>'.</summary>
    private const string BarrierWaitTag = "cluster/barrier_wait_s";
    private const string BarrierWaitShareTag = "cluster/barrier_wait_share";

    private TensorBoardLog? _tensorBoard;
    private bool _drawingWarned;

    /// <summary>What the evaluation task drew for the log: the step, the class names and the overlays (or why none).</summary>
    private sealed record EvaluationDrawing(long Iteration, IReadOnlyList<string> ClassNames, IReadOnlyList<PredictionOverlay> Overlays, string? Error);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "run {Run}: {Warning}")]
    private static partial void LogTensorBoardWarning(ILogger logger, string run, string warning);

    /// <summary>The log, opened on first use (after a reactivation too); null when logging.tensorboard is false or the run is over.</summary>
    private TensorBoardLog? TensorBoard()
    {
        if (_tensorBoard is null && _record is { } record && !IsFinished(record.State) && Options.Logging.TensorBoard)
        {
            _tensorBoard = new TensorBoardLog(Options.Logging.TensorBoardPath(record.CheckpointDirectory, RunId), warning =>
            {
                LogTensorBoardWarning(logger, RunId, warning);
                Emit("warning", warning);
            });
        }
        return _tensorBoard;
    }

    /// <summary>
    /// An accepted step at its global step (iteration + 1, as <c>u2pl train</c> counts): its losses and schedule values,
    /// the cluster's images/s, the workers reporting, the stale gradients so far and the memory banks' fill.
    /// </summary>
    private void WriteStepToTensorBoard(WorkerReport report)
    {
        if (!report.Accepted || TensorBoard() is not { } log) return;
        var record = Record;
        var metrics = new StepMetrics(report.SupervisedLoss, report.UnsupervisedLoss, report.ContrastiveLoss, report.Alpha, 0, report.LearningRate,
            false, 0, TimeSpan.Zero, report.LambdaU, report.Gamma);
        var semi = record.Semi && report.Iteration >= record.WarmupIterations;
        var reporting = _workers.Values.Where(w => w.Reported).ToList();
        var contrastive = Options.Method.ContrastiveOptions;
        var capacity = contrastive.BackgroundBankCapacity + (record.Classes - 1) * contrastive.BankCapacity;
        var bankFill = capacity > 0 ? _bankFill.Sum() / (double)capacity : 0;
        var step = report.Iteration + 1;
        var staleGradients = _staleGradients;
        log.Write(writer =>
        {
            TensorBoardSummaries.WriteStep(writer, step, metrics, semi, reporting.Sum(w => w.Info.ImagesPerSecond));
            TensorBoardSummaries.WriteCluster(writer, step, reporting.Count, staleGradients, bankFill);
        });
    }

    /// <summary>Sync mode, a completed step: the seconds its workers waited at the barrier before it opened, and their share.</summary>
    private void WriteBarrierWaitToTensorBoard(long iteration, StepBarrierWait wait)
    {
        if (TensorBoard() is not { } log) return;
        var step = TensorBoardLog.Step(iteration + 1);
        log.Write(writer =>
        {
            writer.add_scalar(BarrierWaitTag, (float)wait.Seconds, step);
            writer.add_scalar(BarrierWaitShareTag, (float)wait.Share, step);
        });
    }

    /// <summary>On the evaluation task, with the model it loaded: the overlays to log (drawing errors are reported, not thrown).</summary>
    private static EvaluationDrawing DrawOverlays(TrainingOptions options, long iteration, DeepLabV3Plus model, ISegmentationDataset validation)
    {
        var images = options.Logging.TensorBoardImages; // the run page shows them too, with or without TensorBoard
        try
        {
            var overlays = images > 0 ? PredictionOverlays.Render(model, validation, images, options.Data.ValAugmentation) : [];
            return new EvaluationDrawing(iteration, validation.ClassNames, overlays, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new EvaluationDrawing(iteration, validation.ClassNames, [], $"prediction overlays at iteration {iteration} failed (TensorBoard and the run page show none): {e.Message}");
        }
    }

    private void WriteEvaluationToTensorBoard(EvaluationResult result, EvaluationDrawing drawing)
    {
        if (TensorBoard() is not { } log) return;
        if (drawing.Error is { } error && !_drawingWarned)
        {
            _drawingWarned = true;
            LogTensorBoardWarning(logger, RunId, error);
            Emit("warning", error);
        }
        log.Write(writer => TensorBoardSummaries.WriteEvaluation(writer, drawing.Iteration, result, drawing.ClassNames, drawing.Overlays));
    }

    /// <summary>Every event is on disk already (the writer flushes each); this stops further writes.</summary>
    private void CloseTensorBoard()
    {
        _tensorBoard?.Dispose();
        _tensorBoard = null;
    }
}
