using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>
/// Sync mode: which worker computed each micro-batch of the last few steps and how long the workers waited at the step
/// barrier, in bounded memory (the <c>steps</c> latest steps reported). A step is complete once all its micro-batches
/// are in; only complete steps are shown and count for the wait, so a step half done does not read as a short wait.
/// </summary>
public sealed class SyncStepLog(int microBatches, int steps = 8)
{
    private readonly SortedDictionary<long, MicroBatchAssignment?[]> _steps = [];

    public int MicroBatches => microBatches;

    /// <summary>
    /// Records an accepted micro-batch (a later report of the same micro-batch, one handed out again, replaces it).
    /// Returns the step's barrier wait when this micro-batch completed the step, null otherwise.
    /// </summary>
    public StepBarrierWait? Add(MicroBatchAssignment assignment)
    {
        if (assignment.MicroBatch < 0 || assignment.MicroBatch >= microBatches) return null;
        if (!_steps.TryGetValue(assignment.Iteration, out var step))
        {
            step = new MicroBatchAssignment?[microBatches];
            _steps[assignment.Iteration] = step;
            while (_steps.Count > steps) _steps.Remove(_steps.Keys.First());
        }
        var wasComplete = Complete(step);
        step[assignment.MicroBatch] = assignment;
        return !wasComplete && Complete(step) ? Wait(step) : null;
    }

    /// <summary>The assignments of the <paramref name="count"/> latest complete steps, by step then micro-batch.</summary>
    public List<MicroBatchAssignment> Latest(int count) =>
        [.. _steps.Values.Where(Complete).TakeLast(count).SelectMany(step => step.Select(a => a!))];

    /// <summary>The mean over the complete steps held (zero before the first).</summary>
    public StepBarrierWait MeanWait()
    {
        var waits = _steps.Values.Where(Complete).Select(Wait).ToList();
        return waits.Count == 0 ? new(0, 0) : new(waits.Average(w => w.Seconds), waits.Average(w => w.StepSeconds));
    }

    private static bool Complete(MicroBatchAssignment?[] step) => Array.TrueForAll(step, a => a is not null);

    private static StepBarrierWait Wait(MicroBatchAssignment?[] step) => new(step.Sum(a => a!.BarrierWaitSeconds), step.Sum(a => a!.StepSeconds));
}

/// <summary>
/// A step's barrier wait: the seconds its micro-batches' workers waited for it to open and the seconds they computed
/// its micro-batches, each summed over the micro-batches; <see cref="Share"/> is the waiting's part of the two.
/// </summary>
public sealed record StepBarrierWait(double Seconds, double StepSeconds)
{
    public double Share => Seconds + StepSeconds > 0 ? Seconds / (Seconds + StepSeconds) : 0;
}
