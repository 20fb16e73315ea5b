using U2PL.Contracts;

namespace U2PL.Grains.Data;

/// <summary>A dispenser's bookkeeping: <see cref="LeaseBook"/> (async: whole steps) or <see cref="MicroBatchBook"/> (sync).</summary>
public interface ILeaseBook
{
    bool Held { get; set; }

    /// <summary>No step at or above the gate is handed out (the run closes each epoch there).</summary>
    long Gate { get; set; }

    LeaseReply Lease(string worker);

    bool Complete(long leaseId);

    void Return(long leaseId);

    int Release(string worker);

    DispenserProgress Progress();
}
