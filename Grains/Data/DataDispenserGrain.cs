using U2PL.Contracts;
using U2PL.Grains.Placement;
using U2PL.Grains.Model;
using Orleans.Runtime;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Data;

/// <summary>
/// The run's <see cref="IDataDispenserGrain"/>. Its setup is persisted; a dispenser reactivated after its silo died
/// starts again from the iteration of the run's latest checkpoint (checkpoints are taken at a barrier with no lease
/// outstanding, so every iteration below it is done and none above it is).
/// </summary>
[StateSiloPlacement]
[KeepAlive] // its state lives in memory between checkpoints
[GrainType("u2pl.dispenser")]
public sealed class DataDispenserGrain([PersistentState("setup", GrainState.Storage)] IPersistentState<DispenserSetup> stored) : Grain, IDataDispenserGrain
{
    /// <summary>A drain re-reads the book at least this often: a lease can also end by expiring, which sends no message.</summary>
    private static readonly TimeSpan DrainRecheck = TimeSpan.FromSeconds(1);

    private DispenserSetup? _setup;
    private ILeaseBook? _book;
    private TaskCompletionSource _leaseEnded = NewSignal();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var setup = GrainState.Read(stored);
        if (setup is not null)
        {
            var latest = RunModel.LatestCheckpoint(setup.CheckpointDirectory);
            var completed = latest is null ? 0 : TrainingCheckpoint.ReadInfo(latest).Iteration;
            _setup = setup with { CompletedIterations = completed };
            _book = NewBook(_setup);
            _ = GrainFactory.GetGrain<ITrainingRunGrain>(_setup.RunId).StateRestored(new StateGrain { Role = StateGrainRole.Dispenser, Id = this.GetGrainId().ToString() }, completed);
        }
    }

    public async Task Setup(DispenserSetup setup)
    {
        if (_book is not null && _setup?.RunId == setup.RunId && _setup.Generation == setup.Generation)
        {
            return;
        }
        _setup = setup;
        _book = NewBook(setup);
        await GrainState.WriteAsync(stored, setup);
    }

    public async Task Rewind(long completedIterations, long generation)
    {
        var setup = _setup ?? throw new InvalidOperationException($"{this.GetGrainId()} is not set up: the run creates its dispenser when it starts");
        if (setup.Generation != generation)
        {
            var held = Book().Held;
            _setup = setup with { CompletedIterations = completedIterations, Generation = generation };
            _book = NewBook(_setup);
            _book.Held = held;
            Signal(true); // the old generation's leases are void
            await GrainState.WriteAsync(stored, _setup);
        }
    }

    public Task<LeaseReply> Lease(string workerKey) => Task.FromResult(Book().Lease(workerKey));

    public Task<bool> Complete(long leaseId, string workerKey) => Task.FromResult(Signal(Book().Complete(leaseId)));

    public Task Return(long leaseId, string workerKey)
    {
        Book().Return(leaseId);
        Signal(true);
        return Task.CompletedTask;
    }

    public Task<int> Release(string workerKey) => Task.FromResult(Signal(Book().Release(workerKey)));

    public async Task<DispenserProgress> Drain(TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var progress = Book().Progress();
            var left = deadline - DateTimeOffset.UtcNow;
            if (progress.Outstanding == 0 || left <= TimeSpan.Zero)
            {
                return progress;
            }
            await Task.WhenAny(_leaseEnded.Task, Task.Delay(left < DrainRecheck ? left : DrainRecheck));
        }
    }

    /// <summary>Wakes the drains waiting for leases to end; passes <paramref name="value"/> through.</summary>
    private T Signal<T>(T value)
    {
        var ended = _leaseEnded;
        _leaseEnded = NewSignal();
        ended.TrySetResult();
        return value;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task OpenThrough(long iteration)
    {
        Book().Gate = iteration;
        return Task.CompletedTask;
    }

    public Task Hold(bool hold)
    {
        Book().Held = hold;
        return Task.CompletedTask;
    }

    public Task<DispenserProgress> Progress() => Task.FromResult(Book().Progress());

    private static ILeaseBook NewBook(DispenserSetup setup) => setup.MicroBatches > 0
        ? new MicroBatchBook(setup, TimeProvider.System)
        : new LeaseBook(setup, TimeProvider.System);

    private ILeaseBook Book() =>
        _book ?? throw new InvalidOperationException($"{this.GetGrainId()} is not set up: the run creates its dispenser when it starts");
}
