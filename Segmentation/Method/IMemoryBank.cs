using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Q_c as Lc uses it: push a block of negative features, sample rows. <see cref="ClassMemoryBank"/> is the bank
/// itself; a cluster worker uses a local cache of the bank grain behind the same interface.
/// </summary>
public interface IMemoryBank
{
    long Count { get; }

    /// <summary>Time spent in <see cref="Push"/> and <see cref="Sample"/> so far.</summary>
    TimeSpan Elapsed { get; }

    void Push(Tensor block);

    /// <summary>n rows drawn uniformly with replacement, the indices from <paramref name="generator"/> (CPU).</summary>
    Tensor Sample(long n, Generator generator);
}
