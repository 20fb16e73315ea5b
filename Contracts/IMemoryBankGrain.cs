using Orleans.Concurrency;

namespace U2PL.Contracts;

/// <summary>Q_c of one class of a run (key: run/class): a FIFO of negative features with a fixed capacity.</summary>
[Alias("u2pl.bank")]
public interface IMemoryBankGrain : IGrainWithStringKey
{
    Task Setup(BankSetup setup);

    /// <summary>Appends one block of rows (a worker pushes one block per class per step).</summary>
    Task Push(FeatureBlock block);

    /// <summary>
    /// Sync mode: micro-batch <paramref name="microBatch"/>'s negatives of step <paramref name="iteration"/> (possibly
    /// none), computed for a lease of state <paramref name="generation"/>. Once every micro-batch of the step pushed,
    /// their rows are enqueued in micro-batch order. False when the step was already enqueued (a micro-batch computed
    /// twice) or the bank is of another generation (the run rewound to a checkpoint since). A block whose rows came over
    /// the data plane (<see cref="FeatureBlock.Body"/>) is taken from the silo's inbox.
    /// </summary>
    Task<bool> PushMicroBatch(long generation, long iteration, int microBatch, FeatureBlock block);

    /// <summary>Sync mode: back to <paramref name="checkpoint"/>'s rows (empty: none) as state generation <paramref name="generation"/>.</summary>
    [ResponseTimeout("00:05:00")]
    Task Rewind(string checkpoint, long generation);

    /// <summary>Sync mode: the rows a replica of <paramref name="generation"/> with <paramref name="appended"/> rows lacks (see <see cref="BankRows"/>).</summary>
    [ReadOnly]
    Task<BankRows> Rows(Guid generation, long appended);

    /// <summary>
    /// As <see cref="Rows"/>, with the rows published on the bank silo's data plane (<see cref="FeatureBlock.Body"/>)
    /// when it has one and the caller's data plane <paramref name="from"/> is another silo's; replicas at the same count fetch the same body.
    /// </summary>
    [ReadOnly]
    Task<BankRows> RowsOnDataPlane(Guid generation, long appended, string from);

    /// <summary>Up to n rows drawn uniformly with replacement (none when empty).</summary>
    [ReadOnly]
    Task<FeatureBlock> Sample(int rows, bool half);

    /// <summary>Every row, oldest first, for a checkpoint.</summary>
    [ReadOnly, ResponseTimeout("00:05:00")]
    Task<FeatureBlock> Export();

    [ReadOnly]
    Task<BankStatistics> Statistics();
}
