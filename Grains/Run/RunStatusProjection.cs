using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// A run's status as <c>run status</c>, the run page and the subscribers see it: the record, the workers, and what
/// the run's ticks collect from the dispenser, the shards and the banks (progress, bank fill, stale gradients, where
/// each state grain lives); in sync mode the mode, M, the barrier wait and the latest steps' micro-batch assignments.
/// </summary>
internal sealed partial class RunStatusProjection(IGrainFactory grains, RunRecord record, TrainingOptions options, ILogger logger)
{
    /// <summary>Complete steps whose micro-batch → worker assignment the status carries.</summary>
    private const int AssignedStepsShown = 4;

    private readonly Dictionary<string, string> _statePlacement = [];
    private IReadOnlyList<long> _bankFill = [];
    private long _staleGradients;

    public DispenserProgress Progress { get; set; } = new();

    public IReadOnlyList<long> BankFill => _bankFill;

    public long StaleGradients => _staleGradients;
    private long _dataPlaneBytes;

    /// <summary>The banks' fill, the shards' stale gradients and where each lives (a failed read keeps the last figures).</summary>
    public async Task Collect(string runSilo)
    {
        try
        {
            var banks = await Task.WhenAll(Enumerable.Range(0, record.Classes).Select(c => grains.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(record.RunId, c)).Statistics()));
            var shards = await Task.WhenAll(Enumerable.Range(0, record.Shards).Select(k => grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(record.RunId, k)).Statistics()));
            _bankFill = [.. banks.Select(b => b.Count)];
            _staleGradients = shards.Sum(s => s.RejectedStale + s.ScaledStale);
            _dataPlaneBytes = shards.Sum(s => s.DataPlaneReceived + s.DataPlanePublished) + banks.Sum(b => b.DataPlaneBytes);
            for (var c = 0; c < banks.Length; c++) _statePlacement[$"bank/{c}"] = banks[c].Silo;
            for (var k = 0; k < shards.Length; k++) _statePlacement[$"shard/{k}"] = shards[k].Silo;
            _statePlacement["run"] = runSilo;
        }
        catch (Exception e)
        {
            LogStatisticsUnavailable(logger, e, record.RunId);
        }
    }

    public RunStatus Status(WorkerFleet fleet, RunTelemetry telemetry, int desiredResolved, IReadOnlyList<RunEvent> recentEvents)
    {
        var done = record.Iteration - record.StartIteration;
        var eta = done > 0 && record.SecondsTrained > 0 ? record.SecondsTrained / done * (record.LastIteration - record.Iteration) : 0;
        var report = telemetry.LastReport;
        var workers = fleet.Workers;
        var status = new RunStatus
        {
            RunId = record.RunId, State = record.State, Message = record.Message,
            Desired = new WorkerTarget { Count = record.DesiredCount, Auto = record.DesiredAuto }, DesiredResolved = desiredResolved,
            Iteration = record.Iteration, TotalIterations = record.LastIteration, Epoch = (int)Math.Min(record.Epochs - 1, record.Iteration / Math.Max(1, record.StepsPerEpoch)),
            Epochs = record.Epochs, SamplesDone = Progress.Epochs.Sum(e => e.SamplesDone), SecondsElapsed = record.SecondsTrained, EtaSeconds = eta,
            SupervisedLoss = report?.SupervisedLoss ?? 0, UnsupervisedLoss = report?.UnsupervisedLoss ?? 0, ContrastiveLoss = report?.ContrastiveLoss ?? 0,
            Alpha = report?.Alpha ?? 0, LearningRate = report?.LearningRate ?? 0,
            Workers = [.. workers], BankFill = [.. _bankFill], BankCapacity = options.Method.ContrastiveOptions.BankCapacity,
            LastMeanIoU = record.LastMeanIoU, BestMeanIoU = record.BestMeanIoU, LastCheckpoint = record.LastCheckpoint,
            RecentEvents = [.. recentEvents], OutputDirectory = record.CheckpointDirectory, StaleGradients = _staleGradients, DataPlaneBytes = _dataPlaneBytes,
            ImagesPerSecond = fleet.ImagesPerSecond,
            Placement = [.. _statePlacement.Select(p => new GrainPlacement { Grain = p.Key, Silo = p.Value })
                .Concat(workers.Where(w => w.Silo.Length > 0).Select(w => new GrainPlacement { Grain = w.WorkerKey, Silo = w.Silo }))],
            Coverage = Progress.Epochs, Mode = options.Cluster.Mode == ClusterMode.Sync ? "sync" : "async", MicroBatches = 1,
        };
        if (telemetry.SyncSteps is not { } log)
        {
            return status;
        }
        var wait = log.MeanWait();
        return status with
        {
            MicroBatches = log.MicroBatches, BarrierWaitSeconds = wait.Seconds, BarrierWaitShare = wait.Share, MicroBatchAssignments = log.Latest(AssignedStepsShown),
        };
    }

    public RunSummary Summary() => new()
    {
        RunId = record.RunId, State = record.State, ConfigSource = record.ConfigSource, Created = record.Created, Iteration = record.Iteration,
        TotalIterations = record.LastIteration, LastMeanIoU = record.LastMeanIoU,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "run {Run}: statistics unavailable")]
    private static partial void LogStatisticsUnavailable(ILogger logger, Exception exception, string run);
}
