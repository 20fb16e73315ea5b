using U2PL.Contracts;

namespace U2PL.Grains.Worker;

/// <summary>What a worker holds while it trains: <see cref="WorkerSession"/> (async mode) or <see cref="SyncWorkerSession"/>.</summary>
internal interface IWorkerSession : IDisposable
{
    /// <summary>Computes the lease's batch (async: a step; sync: a micro-batch) and pushes what it changes.</summary>
    StepReport Step(BatchLease lease);
}
