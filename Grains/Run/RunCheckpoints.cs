using U2PL.Contracts;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// A run's checkpoints, one at a time (a request made while one is being taken follows it): hold the dispenser, wait
/// until no lease is outstanding (the dispenser's interleaving <see cref="IDataDispenserGrain.Drain"/>, not a poll),
/// export every shard and bank, write the single-process format off the grain's thread, queue it for the durable
/// store (checkpoint.store), and let the dispenser go on unless the caller holds it (pause, stop, completion).
/// Its awaits interleave with the run grain's calls: pause, scale and status are answered while a checkpoint is taken.
/// </summary>
internal sealed class RunCheckpoints(IGrainFactory grains, RunRecord record, TrainingOptions options, RunStatusProjection status, Action<RunEventKind, string> emit)
    : IAsyncDisposable
{
    private Task _tail = Task.CompletedTask;
    private RunCheckpointStore? _store;

    /// <summary>A checkpoint is being taken or waits for one.</summary>
    public bool Busy => !_tail.IsCompleted;

    /// <summary>
/// Takes a checkpoint named <paramref name="name"/> after any being taken; <paramref name="info"/> describes it at its
/// iteration; <paramref name="holdAfter"/>, asked at its end, whether the dispenser stays held (the run may have been
/// paused or resumed meanwhile).
/// </summary>
    public Task<TakenCheckpoint> Take(string name, Func<bool> holdAfter, Func<long, CheckpointInfo> info)
    {
        var previous = _tail;
        var next = After(previous, name, holdAfter, info);
        _tail = next;
        return next;
    }

    private async Task<TakenCheckpoint> After(Task previous, string name, Func<bool> holdAfter, Func<long, CheckpointInfo> info)
    {
        await previous.ContinueWith(_ => { }, TaskScheduler.Current);
        return await TakeNow(name, holdAfter, info);
    }

    private async Task<TakenCheckpoint> TakeNow(string name, Func<bool> holdAfter, Func<long, CheckpointInfo> info)
    {
        var dispenser = grains.GetGrain<IDataDispenserGrain>(record.RunId);
        await dispenser.Hold(true);
        try
        {
            var progress = await dispenser.Drain(TimeSpan.FromSeconds(options.Cluster.LeaseTimeoutSeconds + 10));
            if (progress.Outstanding > 0)
            {
                emit(RunEventKind.Warning, $"checkpoint: {progress.Outstanding} leases still outstanding after the barrier's deadline; they will be redone after a restore");
            }
            record.Iteration = progress.CompletedThrough;
            status.Progress = progress; // the status' coverage at the same barrier as its iteration
            var shards = await Task.WhenAll(Enumerable.Range(0, record.Shards).Select(k => grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(record.RunId, k)).Export()));
            var banks = await Task.WhenAll(Enumerable.Range(0, record.Classes).Select(c => grains.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(record.RunId, c)).Export()));
            var checkpointInfo = info(progress.CompletedThrough);
            var directory = record.CheckpointDirectory;
            ModelOptions model = options.Model;
            var path = await Task.Run(() => ClusterCheckpoint.Write(directory, name, shards, banks, model, checkpointInfo));
            record.LastCheckpoint = path;
            record.LastCheckpointIteration = progress.CompletedThrough;
            emit(RunEventKind.Checkpoint, $"{path} at iteration {progress.CompletedThrough}");
            await PublishAsync(path, progress.CompletedThrough);
            return new TakenCheckpoint(path, progress, checkpointInfo.EvaluatedModel, shards);
        }
        finally
        {
            if (!holdAfter())
            {
                await dispenser.Hold(false);
            }
        }
    }

    /// <summary>Queues the checkpoint for the durable store, if the config names one (a store error is an event, not a stop).</summary>
    private async Task PublishAsync(string checkpoint, long iteration)
    {
        if (options.CheckpointStore is not { Length: > 0 } uri)
        {
            return;
        }
        try
        {
            _store ??= await RunCheckpointStore.OpenAsync(uri, options.CheckpointKeepLast);
            _store.Publish(checkpoint, iteration);
        }
        catch (Exception e)
        {
            emit(RunEventKind.Error, $"checkpoint store {uri}: {e.Message}");
        }
    }

    /// <summary>Waits for the last publication to the store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }
    }
}

/// <summary>A checkpoint written: where, the dispenser's progress at its barrier, and the shards' state it holds (for the validation that may follow).</summary>
internal sealed record TakenCheckpoint(string Path, DispenserProgress Progress, string EvaluatedModel, IReadOnlyList<ShardState> Shards)
{
    /// <summary>The evaluated model's tensors under their model names (<c>teacher.x</c> → <c>x</c>).</summary>
    public List<NamedTensor> EvaluatedTensors()
    {
        var prefix = EvaluatedModel + ".";
        return [.. Shards.SelectMany(s => s.Tensors).Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(t => t with { Name = t.Name[prefix.Length..] })];
    }
}
