using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// Q_c: the FIFO queue of one class's negative features (teacher representations of unreliable pixels, detached).
/// A ring buffer of at most <see cref="Capacity"/> rows that grows on demand (a bank that never fills stays small);
/// when full, a push overwrites the oldest rows. Sampling draws rows uniformly with replacement.
/// The rows live on the training device: a push copies only the new rows there and a sample gathers only the drawn
/// rows (the official code copies the whole bank to the GPU to sample, DESIGN §4). The row indices are drawn from the
/// caller's CPU generator on every device and address the rows oldest first, so two banks that hold the same rows
/// (one restored from the other's snapshot, a cluster worker's replica of a bank grain) sample the same rows.
/// </summary>
public sealed class ClassMemoryBank : IMemoryBank, IDisposable
{
    private Tensor? _buffer;
    private long _start;

    public ClassMemoryBank(long capacity, long featureDim, Device? device = null)
    {
        if (capacity < 1 || featureDim < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "capacity and feature dimension must be positive");
        }
        Capacity = capacity;
        FeatureDim = featureDim;
        Device = device ?? torch.CPU;
    }

    /// <summary>Where the rows are kept, and where <see cref="Sample"/> and <see cref="Snapshot"/> return them.</summary>
    public Device Device { get; }

    public long Capacity { get; }

    public long FeatureDim { get; }

    /// <summary>Time spent in <see cref="Push"/> and <see cref="Sample"/> so far (the step cost of the bank).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    private readonly System.Diagnostics.Stopwatch _clock = new();

    /// <summary>Rows stored now (≤ capacity).</summary>
    public long Count { get; private set; }

    /// <summary>Appends the rows of an (n, D) block, dropping the oldest rows beyond capacity.</summary>
    public void Push(Tensor block)
    {
        var rows = block.size(0);
        if (rows == 0)
        {
            return;
        }
        if (block.size(1) != FeatureDim)
        {
            throw new ArgumentException($"memory bank rows have {FeatureDim} features, the block has {block.size(1)}", nameof(block));
        }
        _clock.Start();
        try
        {
            PushRows(block, rows);
        }
        finally
        {
            _clock.Stop();
        }
    }

    private void PushRows(Tensor block, long rows)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var source = block.detach().to(ScalarType.Float32, Device);
        if (rows >= Capacity)
        {
            Replace(source.narrow(0, rows - Capacity, Capacity).contiguous());
            return;
        }
        EnsureRows(Math.Min(Capacity, Count + rows));
        var allocated = _buffer!.size(0);
        var positions = new long[rows];
        for (var i = 0; i < rows; i++)
        {
            if (Count < Capacity)
            {
                positions[i] = (_start + Count) % allocated;
                Count++;
            }
            else
            {
                positions[i] = _start;
                _start = (_start + 1) % allocated;
            }
        }
        _buffer.index_copy_(0, torch.tensor(positions, device: Device), source);
    }

    /// <summary>n rows drawn uniformly with replacement (indices from <paramref name="generator"/>), as an (n, D) tensor.</summary>
    public Tensor Sample(long n, Generator generator)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("cannot sample from an empty memory bank");
        }
        _clock.Start();
        try
        {
            using var drawn = torch.randint(0, Count, [n], generator: generator);
            // The i-th oldest row: occupied rows start at _start and wrap around the allocation.
            using var start = _start.ToScalar(); // held through the native calls (Sgd.step_with_live_scalars)
            using var allocated = _buffer!.size(0).ToScalar();
            using var one = 1.ToScalar();
            using var rows = drawn.add_(start, alpha: one).remainder_(allocated);
            using var indices = rows.to(Device);
            return _buffer.index_select(0, indices);
        }
        finally
        {
            _clock.Stop();
        }
    }

    /// <summary>The stored rows, oldest first (a copy): what a checkpoint saves.</summary>
    public Tensor Snapshot()
    {
        if (Count == 0)
        {
            return torch.zeros([0, FeatureDim], device: Device);
        }
        using var start = _start.ToScalar(); // held through the native calls (Sgd.step_with_live_scalars)
        using var one = 1.ToScalar();
        using var allocated = _buffer!.size(0).ToScalar();
        using var zero = 0L.ToScalar();
        using var count = Count.ToScalar();
        using var order = torch.arange(zero, count, one, device: Device).add(start, alpha: one).remainder(allocated);
        return _buffer.index_select(0, order);
    }

    /// <summary>Replaces the contents with <paramref name="rows"/> (oldest first), as restored from a checkpoint.</summary>
    public void Restore(Tensor rows)
    {
        if (rows.size(0) > Capacity)
        {
            throw new ArgumentException($"{rows.size(0)} rows exceed the bank's capacity {Capacity}", nameof(rows));
        }
        if (rows.size(0) == 0)
        {
            _buffer?.Dispose();
            _buffer = null;
            Count = 0;
            _start = 0;
            return;
        }
        using var copy = rows.to(ScalarType.Float32, Device).contiguous();
        Replace(copy);
    }

    public void Dispose() => _buffer?.Dispose();

    private void Replace(Tensor rows)
    {
        _buffer?.Dispose();
        _buffer = rows.clone().DetachFromDisposeScope();
        _start = 0;
        Count = rows.size(0);
    }

    /// <summary>Grows the allocation (doubling, up to capacity), moving the rows oldest-first to the front.</summary>
    private void EnsureRows(long needed)
    {
        var allocated = _buffer?.size(0) ?? 0;
        if (allocated >= needed)
        {
            return;
        }
        var size = Math.Min(Capacity, Math.Max(needed, Math.Max(1024, allocated * 2)));
        var grown = torch.zeros([size, FeatureDim], device: Device).DetachFromDisposeScope();
        if (Count > 0)
        {
            using var existing = Snapshot();
            using var target = grown.narrow(0, 0, Count);
            target.copy_(existing);
        }
        _buffer?.Dispose();
        _buffer = grown;
        _start = 0;
    }
}
