using Orleans.Concurrency;

namespace U2PL.Contracts;

/// <summary>
/// One training worker of a run (key: run/slot), placed only on GPU-role silos, one per GPU slot: leases batches,
/// pulls weights, runs the U2PL step, pushes negatives and gradients, reports throughput and staleness.
/// </summary>
[Alias("u2pl.worker")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts the training loop (idempotent: a running worker only refreshes its assignment).</summary>
    [ResponseTimeout("00:02:00")]
    Task<WorkerInfo> Start(WorkerAssignment assignment);

    /// <summary>Asks the worker to finish its step, return its lease and deactivate.</summary>
    [AlwaysInterleave]
    Task Stop(string reason);

    [AlwaysInterleave]
    Task<WorkerInfo> GetInfo();
}
