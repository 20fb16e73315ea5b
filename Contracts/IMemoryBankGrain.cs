using Orleans.Concurrency;

namespace U2PL.Contracts;

/// <summary>Q_c of one class of a run (key: run/class): a FIFO of negative features with a fixed capacity.</summary>
[Alias("u2pl.bank")]
public interface IMemoryBankGrain : IGrainWithStringKey
{
    Task Setup(BankSetup setup);

    /// <summary>Appends one block of rows (a worker pushes one block per class per step).</summary>
    Task Push(FeatureBlock block);

    /// <summary>Up to n rows drawn uniformly with replacement (none when empty).</summary>
    [ReadOnly]
    Task<FeatureBlock> Sample(int rows, bool half);

    /// <summary>Every row, oldest first, for a checkpoint.</summary>
    [ReadOnly, ResponseTimeout("00:05:00")]
    Task<FeatureBlock> Export();

    [ReadOnly]
    Task<BankStatistics> Statistics();
}
