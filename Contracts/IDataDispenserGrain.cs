using Orleans.Concurrency;

namespace U2PL.Contracts;

/// <summary>
/// Leases a run's steps (key: the run id): each lease is one global iteration's labeled and unlabeled sample indices.
/// A lease not completed before its deadline is handed out again, so every epoch covers every sample even when
/// workers die.
/// </summary>
[Alias("u2pl.dispenser")]
public interface IDataDispenserGrain : IGrainWithStringKey
{
    /// <summary>Sets the schedule up; <see cref="DispenserSetup.CompletedIterations"/> are skipped (a restored run).</summary>
    Task Setup(DispenserSetup setup);

    Task<LeaseReply> Lease(string workerKey);

    /// <summary>Marks a lease done; false when it had expired and was re-issued (the work counts as duplicated).</summary>
    Task<bool> Complete(long leaseId, string workerKey);

    /// <summary>Gives a lease back undone, for another worker (a removed worker, a rejected gradient).</summary>
    Task Return(long leaseId, string workerKey);

    /// <summary>Hands every lease of <paramref name="workerKey"/> out again now (its silo was declared dead); returns how many.</summary>
    Task<int> Release(string workerKey);

    /// <summary>
    /// Hands out no iteration at or above <paramref name="iteration"/> until moved on: the run closes each epoch there,
    /// so that its epoch-end checkpoint and validation see exactly the epoch's steps.
    /// </summary>
    Task OpenThrough(long iteration);

    /// <summary>Stops handing out leases (pause, checkpoint barrier) or starts again.</summary>
    Task Hold(bool hold);

    /// <summary>
    /// Sync mode: hands out leases again from step <paramref name="completedIterations"/> as state generation
    /// <paramref name="generation"/> (the run rewound every state grain to the checkpoint there); older leases are void.
    /// </summary>
    Task Rewind(long completedIterations, long generation);

    [ReadOnly]
    Task<DispenserProgress> Progress();

    /// <summary>
    /// Returns once no lease is outstanding (every step handed out has been pushed and completed), or at
    /// <paramref name="timeout"/>: the run's checkpoint barrier. Interleaves, so that the completions it waits for get in.
    /// </summary>
    [AlwaysInterleave]
    Task<DispenserProgress> Drain(TimeSpan timeout);
}
