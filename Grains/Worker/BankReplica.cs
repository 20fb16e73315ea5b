using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Segmentation;
using U2PL.Segmentation.Method;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Worker;

/// <summary>
/// A sync worker's copy of one class's bank grain (the official code's per-GPU queue, which all-gathers every step's
/// negatives): it appends each step's enqueued rows, or takes a snapshot when it is new or the grain was restored, so
/// it holds the rows the grain holds and samples what <c>u2pl train</c>'s bank samples. The step sees it through
/// <see cref="Step"/>: samples from the rows as of the previous step, pushes held for the grain.
/// </summary>
internal sealed class BankReplica : IDisposable
{
    private readonly ClassMemoryBank _bank;

    public BankReplica(long capacity)
    {
        _bank = new ClassMemoryBank(capacity, 256);
        Step = new StepMemoryBank(_bank);
    }

    public StepMemoryBank Step { get; }

    public Guid Generation { get; private set; }

    public long Appended { get; private set; }

    public void Apply(BankRows rows)
    {
        using var scope = torch.NewDisposeScope();
        var block = rows.Block.Rows == 0
            ? torch.zeros([0, _bank.FeatureDim])
            : FlatTensors.Unpack(rows.Block.Data).ToTensor(rows.Block.Rows, rows.Block.Dim);
        if (rows.Snapshot)
        {
            _bank.Restore(block);
        }
        else
        {
            _bank.Push(block);
        }
        Generation = rows.Generation;
        Appended = rows.Appended;
    }

    public void Dispose()
    {
        Step.Dispose();
        _bank.Dispose();
    }
}
