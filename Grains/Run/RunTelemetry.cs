using Microsoft.Extensions.Logging;
using Orleans.Utilities;
using U2PL.Contracts;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.TensorBoard;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// What a run shows of itself besides its status: the step series and overlays of the run page, the sync steps'
/// micro-batch assignments and barrier waits, the TensorBoard log (logging.*, in <c>&lt;run output&gt;/tb</c>, written
/// here once per run and on the grain's turns only), the silo's <see cref="TrainingMetrics"/> series, and the
/// subscribers (<see cref="ObserverManager{T}"/>: a client that stops renewing its subscription is dropped).
/// </summary>
internal sealed partial class RunTelemetry(string runId, TrainingOptions options, RunRecord record, TrainingMetrics? metrics, ILogger logger, Action<string> warn)
{
    /// <summary>A subscription lasts this long unless renewed (the client renews every minute).</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(3);

    /// <summary>Sync mode's barrier wait per step (README "TensorBoard"); the other tags are <see cref="TensorBoardSummaries"/>'.</summary>
    private const string BarrierWaitTag = "cluster/barrier_wait_s";
    private const string BarrierWaitShareTag = "cluster/barrier_wait_share";

    private readonly StepSeries _steps = new();
    private readonly ObserverManager<IRunObserver> _observers = new(SubscriptionLifetime, logger);
    private List<OverlayImage> _overlays = [];
    private TensorBoardLog? _tensorBoard;
    private bool _drawingWarned;
    private long _imagesTrained;
    private WorkerReport? _lastReport;

    /// <summary>Null in async mode: a step is one worker's batch, with no barrier.</summary>
    public SyncStepLog? SyncSteps { get; } = options.Cluster.Mode == ClusterMode.Sync ? new SyncStepLog(options.MicroBatches) : null;

    /// <summary>The last accepted report: its losses and schedule values are the status'.</summary>
    public WorkerReport? LastReport => _lastReport;

    public void Subscribe(IRunObserver observer) => _observers.Subscribe(observer, observer);

    public void Unsubscribe(IRunObserver observer) => _observers.Unsubscribe(observer);

    public RunHistory History() => new() { RunId = runId, Steps = _steps.ToList(), Evaluations = [.. record.Evaluations], Overlays = _overlays };

    /// <summary>
    /// A worker's report: an accepted step goes to the step series, the sync step log, the image count and TensorBoard
    /// (at its global step, iteration + 1, as <c>u2pl train</c> counts) with the cluster's shape.
    /// </summary>
    public void Step(WorkerReport report, IReadOnlyList<WorkerInfo> reporting, long staleGradients, IReadOnlyList<long> bankFill)
    {
        if (!report.Accepted) return;
        _lastReport = report;
        _imagesTrained += report.Images;
        var imagesPerSecond = reporting.Sum(w => w.ImagesPerSecond);
        _steps.Add(new StepPoint
        {
            Iteration = report.Iteration, Seconds = record.SecondsTrained, SupervisedLoss = report.SupervisedLoss, UnsupervisedLoss = report.UnsupervisedLoss,
            ContrastiveLoss = report.ContrastiveLoss, LearningRate = report.LearningRate, ImagesPerSecond = imagesPerSecond, Workers = reporting.Count,
        });
        var completed = SyncSteps?.Add(new MicroBatchAssignment
        {
            Iteration = report.Iteration, MicroBatch = report.MicroBatch, WorkerKey = report.Worker.WorkerKey,
            BarrierWaitSeconds = report.BarrierWaitSeconds, StepSeconds = report.Worker.StepSeconds,
        });
        if (TensorBoard() is not { } log) return;
        var metrics = new StepMetrics(report.SupervisedLoss, report.UnsupervisedLoss, report.ContrastiveLoss, report.Alpha, 0, report.LearningRate,
            false, 0, TimeSpan.Zero, report.LambdaU, report.Gamma);
        var semi = record.Semi && report.Iteration >= record.WarmupIterations;
        var contrastive = options.Method.ContrastiveOptions;
        var capacity = contrastive.BackgroundBankCapacity + (record.Classes - 1) * contrastive.BankCapacity;
        var fill = capacity > 0 ? bankFill.Sum() / (double)capacity : 0;
        var step = report.Iteration + 1;
        log.Write(writer =>
        {
            TensorBoardSummaries.WriteStep(writer, step, metrics, semi, imagesPerSecond);
            TensorBoardSummaries.WriteCluster(writer, step, reporting.Count, staleGradients, fill);
            if (completed is { } wait)
            {
                writer.add_scalar(BarrierWaitTag, (float)wait.Seconds, TensorBoardLog.Step(step));
                writer.add_scalar(BarrierWaitShareTag, (float)wait.Share, TensorBoardLog.Step(step));
            }
        });
    }

    /// <summary>A validation's IoUs and overlays, to TensorBoard and the run page.</summary>
    public void Evaluated(EvaluationReport report)
    {
        var overlays = report.Overlays.Select(o => new PredictionOverlay(o.SampleId, o.Height, o.Width, o.Pixels)).ToList();
        if (overlays.Count > 0) _overlays = [.. overlays.Select(o => new OverlayImage { Name = o.SampleId, Epoch = report.Epoch, Png = o.ToPng() })];
        if (TensorBoard() is not { } log) return;
        if (report.DrawingError.Length > 0 && !_drawingWarned)
        {
            _drawingWarned = true;
            LogWarning(logger, runId, report.DrawingError);
            warn(report.DrawingError);
        }
        var result = new EvaluationResult(report.MeanIoU, report.ClassIoU, report.PixelAccuracy, report.Images);
        log.Write(writer => TensorBoardSummaries.WriteEvaluation(writer, report.Iteration, result, report.ClassNames, overlays));
    }

    /// <summary>The status to the silo's metrics and to every subscriber.</summary>
    public void Publish(RunStatus status)
    {
        if (status.IsFinished)
        {
            Retire();
        }
        else if (metrics is not null)
        {
            var contrastive = options.Method.ContrastiveOptions;
            metrics.Publish(new RunSeries
            {
                RunId = runId, Iteration = status.Iteration,
                Losses = _lastReport is null ? null : (status.SupervisedLoss, status.UnsupervisedLoss, status.ContrastiveLoss),
                Alpha = _lastReport is null ? null : status.Alpha, LearningRate = _lastReport is null ? null : status.LearningRate,
                UnsupervisedWeight = _lastReport?.LambdaU,
                EntropyThreshold = _lastReport is { Gamma: var gamma } && double.IsFinite(gamma) ? gamma : null, // γt is infinite in warm-up
                Images = _imagesTrained, ImagesPerSecond = status.ImagesPerSecond, DesiredWorkers = status.DesiredResolved,
                Workers = status.Workers.GroupBy(w => w.State.Name()).ToDictionary(g => g.Key, g => g.Count()),
                StaleGradients = status.StaleGradients, MaxStaleness = status.Workers.Select(w => w.Staleness).DefaultIfEmpty().Max(),
                BankFill = status.BankFill,
                BankCapacity = status.BankFill.Select((_, c) => c == 0 ? contrastive.BackgroundBankCapacity : contrastive.BankCapacity).ToList(),
                MeanIoU = status.LastMeanIoU,
            });
        }
        _observers.ClearExpired();
        _ = _observers.Notify(o => o.OnStatus(status));
    }

    public void Event(RunEvent runEvent) => _ = _observers.Notify(o => o.OnEvent(runEvent));

    /// <summary>A silo never reports a run it no longer coordinates: retired when the run finishes or the activation ends.</summary>
    public void Retire() => metrics?.Retire(runId);

    /// <summary>Every event is on disk already (the writer flushes each); this stops further writes.</summary>
    public void Close()
    {
        _tensorBoard?.Dispose();
        _tensorBoard = null;
    }

    /// <summary>The log, opened on first use (after a reactivation too); null when logging.tensorboard is false or the run is over.</summary>
    private TensorBoardLog? TensorBoard()
    {
        if (_tensorBoard is null && !record.IsFinished && options.Logging.TensorBoard)
        {
            _tensorBoard = new TensorBoardLog(options.Logging.TensorBoardPath(record.CheckpointDirectory, runId), warning =>
            {
                LogWarning(logger, runId, warning);
                warn(warning);
            });
        }
        return _tensorBoard;
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "run {Run}: {Warning}")]
    private static partial void LogWarning(ILogger logger, string run, string warning);
}
