using U2PL.Contracts;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// Sync mode's view of the steps for the status, the run page and TensorBoard: who computed which micro-batch of the
/// latest steps and how long the workers waited at the step barrier (in memory, like the loss curves).
/// </summary>
public sealed partial class TrainingRunGrain
{
    /// <summary>Complete steps whose micro-batch → worker assignment the status carries.</summary>
    private const int AssignedStepsShown = 4;

    private SyncStepLog? _syncSteps;

    /// <summary>Null in async mode: a step is one worker's batch, with no barrier.</summary>
    private SyncStepLog? SyncSteps => Sync(Options) ? _syncSteps ??= new SyncStepLog(Options.MicroBatches) : null;

    /// <summary>An accepted micro-batch; the step's barrier wait goes to TensorBoard when it completes the step.</summary>
    private void RecordMicroBatch(WorkerReport report)
    {
        if (!report.Accepted || SyncSteps is not { } log) return;
        var completed = log.Add(new MicroBatchAssignment
        {
            Iteration = report.Iteration, MicroBatch = report.MicroBatch, WorkerKey = report.Worker.WorkerKey,
            BarrierWaitSeconds = report.BarrierWaitSeconds, StepSeconds = report.Worker.StepSeconds,
        });
        if (completed is not null) WriteBarrierWaitToTensorBoard(report.Iteration, completed);
    }

    /// <summary>The status with the cluster mode, M, the mean barrier wait and the latest steps' assignments.</summary>
    private RunStatus WithSyncSteps(RunStatus status)
    {
        var options = Options;
        if (SyncSteps is not { } log)
        {
            return status with { Mode = ModeName(options.Cluster.Mode), MicroBatches = 1 };
        }
        var wait = log.MeanWait();
        return status with
        {
            Mode = ModeName(options.Cluster.Mode), MicroBatches = log.MicroBatches, BarrierWaitSeconds = wait.Seconds, BarrierWaitShare = wait.Share,
            MicroBatchAssignments = log.Latest(AssignedStepsShown),
        };
    }

    private static string ModeName(ClusterMode mode) => mode == ClusterMode.Sync ? "sync" : "async";
}
