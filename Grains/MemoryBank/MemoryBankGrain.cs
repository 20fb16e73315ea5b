using U2PL.Contracts;
using U2PL.Grains.DataPlane;
using U2PL.Grains.Placement;
using U2PL.Grains.Model;
using Orleans.Runtime;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;
using U2PL.Segmentation.Serialization;

namespace U2PL.Grains.MemoryBank;

/// <summary>
/// Q_c of one class (<see cref="IMemoryBankGrain"/>): the same <see cref="ClassMemoryBank"/> the single-process trainer
/// uses, fed by workers' blocks. Checkpointed with the run; a reactivated bank restores itself from the latest checkpoint.
/// </summary>
[StateSiloPlacement]
[KeepAlive] // its state lives in memory between checkpoints
[GrainType("u2pl.bank")]
public sealed class MemoryBankGrain([PersistentState("setup", GrainState.Storage)] IPersistentState<BankSetup> stored, SiloDataPlane? dataPlane = null)
    : Grain, IMemoryBankGrain
{
    // Rows published on the data plane, by the replica state they bring up to date (generation, appended); withdrawn once the bank moves on.
    private readonly Dictionary<(Guid Generation, long Appended), BankRows> _published = [];
    private BankSetup? _setup;
    private ClassMemoryBank? _bank;
    private SyncBankLog? _sync;
    private long _pushed, _dataPlaneBytes;
    // Async workers' cache refreshes: any uniform draw will do (sync workers sample their own replicas).
    private readonly Generator _sampling = new((ulong)Random.Shared.NextInt64());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _setup = GrainState.Read(stored);
        if (_setup is not null)
        {
            await Load(_setup, latestOnly: true);
            if (_sync is not null)
            {
                // Sync mode: the other state grains must go back to the same checkpoint (the run rewinds them).
                _ = GrainFactory.GetGrain<ITrainingRunGrain>(_setup.RunId).StateRestored(new StateGrain { Role = StateGrainRole.Bank, Id = this.GetGrainId().ToString() }, _sync.CommittedThrough);
            }
        }
    }

    public async Task Setup(BankSetup setup)
    {
        if (_bank is not null && _setup?.RunId == setup.RunId && _setup.Generation == setup.Generation)
        {
            return;
        }
        await Load(setup, latestOnly: false);
        await GrainState.WriteAsync(stored, setup);
    }

    public Task Push(FeatureBlock block)
    {
        var bank = Bank();
        if (block.Rows == 0)
        {
            return Task.CompletedTask;
        }
        var values = FlatTensors.Unpack(block.Data);
        if (block.Dim != bank.FeatureDim || values.LongLength != (long)block.Rows * block.Dim)
        {
            throw new ArgumentException($"{this.GetGrainId()}: a block of {block.Rows}×{block.Dim} with {values.LongLength} values does not fit rows of {bank.FeatureDim} features");
        }
        using var rows = values.ToTensor(block.Rows, block.Dim);
        bank.Push(rows);
        _pushed += block.Rows;
        return Task.CompletedTask;
    }

    public async Task Rewind(string checkpoint, long generation)
    {
        var setup = _setup ?? throw new InvalidOperationException($"{this.GetGrainId()} is not set up: the run creates its memory banks when it starts");
        if (setup.Generation != generation)
        {
            setup = setup with { RestoreFrom = checkpoint, Generation = generation };
            await Load(setup, latestOnly: false);
            await GrainState.WriteAsync(stored, setup);
        }
    }

    public Task<bool> PushMicroBatch(long generation, long iteration, int microBatch, FeatureBlock block)
    {
        var sync = Sync();
        if (generation != _setup!.Generation)
        {
            return Task.FromResult(false);
        }
        var values = Values(block);
        if (block.Dim != Bank().FeatureDim || values.LongLength != (long)block.Rows * block.Dim)
        {
            throw new ArgumentException($"{this.GetGrainId()}: a block of {block.Rows}×{block.Dim} with {values.LongLength} values does not fit rows of {Bank().FeatureDim} features");
        }
        using var rows = values.ToTensor(block.Rows, block.Dim);
        var taken = sync.Push(iteration, microBatch, rows);
        if (taken) _pushed += block.Rows;
        return Task.FromResult(taken);
    }

    public Task<BankRows> RowsOnDataPlane(Guid generation, long appended, string from)
    {
        var sync = Sync();
        if (dataPlane?.Address is not { } address || address == from)
        {
            return Rows(generation, appended);
        }
        foreach (var (stale, rows) in _published.ToList())
        {
            if (rows.Generation != sync.Generation || rows.Appended != sync.Appended) Withdraw(stale);
        }
        // A replica of another generation gets the snapshot, whatever its count.
        var key = generation == sync.Generation ? (generation, appended) : (Guid.Empty, -1L);
        if (!_published.TryGetValue(key, out var published))
        {
            var rows = Rows(generation, appended).Result;
            published = rows.Block.Rows == 0 ? rows : rows with
            {
                Block = rows.Block with { Data = new PackedTensors(), Body = dataPlane.Outbox.Publish(_setup!.ClassIndex, sync.Appended, rows.Block.Data.Bytes) },
            };
            _published[key] = published;
            _dataPlaneBytes += published.Block.Body?.ByteLength ?? 0;
        }
        return Task.FromResult(published with { DataPlane = address });
    }

    /// <summary>A block's values: from the call, or (pushed over the data plane) from the silo's inbox.</summary>
    private float[] Values(FeatureBlock block)
    {
        if (block.Body is not { } body) return FlatTensors.Unpack(block.Data);
        var inbox = dataPlane?.Inbox ?? throw new InvalidOperationException($"{this.GetGrainId()}: {body} was pushed over a data plane, but this silo has none");
        using var landed = inbox.Take(body);
        _dataPlaneBytes += body.ByteLength;
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(landed.Span).ToArray();
    }

    private void Withdraw((Guid Generation, long Appended) key)
    {
        if (_published.Remove(key, out var rows) && rows.Block.Body is { } body) dataPlane?.Outbox.Withdraw(body);
    }

    private void WithdrawPublished()
    {
        foreach (var key in _published.Keys.ToList()) Withdraw(key);
    }

    public Task<BankRows> Rows(Guid generation, long appended)
    {
        var sync = Sync();
        var bank = Bank();
        using var scope = torch.NewDisposeScope();
        var delta = generation == sync.Generation ? sync.Since(appended) : null;
        var rows = delta ?? bank.Snapshot();
        return Task.FromResult(new BankRows
        {
            Generation = sync.Generation, Appended = sync.Appended, Snapshot = delta is null, DataPlane = dataPlane?.Address,
            Block = new FeatureBlock { Rows = (int)rows.size(0), Dim = (int)bank.FeatureDim, Data = FlatTensors.Pack(rows.ToArray<float>(), half: false) },
        });
    }

    public Task<FeatureBlock> Sample(int rows, bool half)
    {
        var bank = Bank();
        if (bank.Count == 0 || rows <= 0)
        {
            return Task.FromResult(new FeatureBlock { Rows = 0, Dim = (int)bank.FeatureDim });
        }
        using var sampled = bank.Sample(rows, _sampling);
        return Task.FromResult(new FeatureBlock { Rows = rows, Dim = (int)bank.FeatureDim, Data = FlatTensors.Pack(sampled.ToArray<float>(), half) });
    }

    public Task<FeatureBlock> Export()
    {
        var bank = Bank();
        using var rows = bank.Snapshot();
        return Task.FromResult(new FeatureBlock { Rows = (int)bank.Count, Dim = (int)bank.FeatureDim, Data = FlatTensors.Pack(rows.ToArray<float>(), half: false) });
    }

    public Task<BankStatistics> Statistics() => Task.FromResult(new BankStatistics
    {
        Count = _bank?.Count ?? 0, Capacity = _bank?.Capacity ?? _setup?.Capacity ?? 0, Silo = RuntimeIdentity, Pushed = _pushed, DataPlaneBytes = _dataPlaneBytes,
    });

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        WithdrawPublished();
        _sync?.Dispose();
        _sync = null;
        _bank?.Dispose();
        _bank = null;
        return Task.CompletedTask;
    }

    /// <summary>Sets the bank up, filled from a checkpoint: the given one, or (reactivated) the run's latest.</summary>
    /// <summary>Reads the bank's rows from a checkpoint (file work) on a pool thread, then installs the bank in the turn.</summary>
    private async Task Load(BankSetup setup, bool latestOnly)
    {
        var (bank, restoredAt) = await Task.Run(() => Build(setup, latestOnly));
        WithdrawPublished();
        _sync?.Dispose();
        _bank?.Dispose();
        _bank = bank;
        _sync = setup.MicroBatches > 0 ? new SyncBankLog(bank, setup.MicroBatches, restoredAt) : null;
        _setup = setup;
    }

    private static (ClassMemoryBank Bank, long RestoredAt) Build(BankSetup setup, bool latestOnly)
    {
        var bank = new ClassMemoryBank(setup.Capacity, setup.FeatureDim);
        var source = latestOnly ? LatestOf(setup) : setup.RestoreFrom.Length > 0 ? TrainingCheckpoint.Resolve(setup.RestoreFrom) : null;
        if (source is null)
        {
            return (bank, 0);
        }
        using var reader = SafeTensorsReader.Open(source);
        using var rows = reader.ReadTensor($"memory_bank.{setup.ClassIndex}");
        bank.Restore(rows);
        return (bank, TrainingCheckpoint.ReadInfo(source).Iteration);
    }

    private static string? LatestOf(BankSetup setup) => setup.CheckpointDirectory.Length > 0 ? RunModel.LatestCheckpoint(setup.CheckpointDirectory) : null;

    private SyncBankLog Sync() =>
        _sync ?? throw new InvalidOperationException($"{this.GetGrainId()}: the run is in async mode; micro-batches are pushed in sync mode only");

    private ClassMemoryBank Bank() =>
        _bank ?? throw new InvalidOperationException($"{this.GetGrainId()} is not set up: the run creates its memory banks when it starts");
}
