using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>
/// A new run: its spec validated (every problem listed in one <see cref="RunConfigException"/>), the checkpoint it
/// resumes from resolved (downloaded first from a store URI), its record, and every state grain (shards, banks,
/// dispenser) set up before any worker starts. Reading the datasets and the checkpoint's info is file work, done off
/// the grain's thread.
/// </summary>
internal static class RunSetup
{
    public static async Task<NewRun> Create(string runId, RunSpec spec, DatasetTypes datasetTypes)
    {
        var (options, datasets) = await Task.Run(() => Validate(spec, datasetTypes));
        var schedule = RunModel.Schedule(options, datasets.Labeled, datasets.Unlabeled);
        var directory = Path.GetFullPath(Path.Combine(options.OutputDirectory, runId));
        var resume = spec.ResumeFrom.Length > 0 && RunCheckpointStore.IsStoreUri(spec.ResumeFrom)
            ? await RunCheckpointStore.DownloadLatestAsync(spec.ResumeFrom, Path.Combine(directory, "resumed-from-store"))
            : spec.ResumeFrom;
        var restoreFrom = resume.Length > 0 ? await Task.Run(() => TrainingCheckpoint.Resolve(resume)) : "";
        var startIteration = restoreFrom.Length > 0 ? (await Task.Run(() => TrainingCheckpoint.ReadInfo(restoreFrom))).Iteration : 0;
        var record = new RunRecord
        {
            RunId = runId, ConfigText = spec.ConfigText, ConfigSource = spec.ConfigSource, State = RunState.Pending,
            DesiredCount = spec.Workers.Count, DesiredAuto = spec.Workers.Auto, Created = DateTimeOffset.UtcNow,
            StepsPerEpoch = schedule.StepsPerEpoch, Epochs = schedule.Epochs, TotalIterations = schedule.TotalIterations,
            LastIteration = Math.Min(schedule.TotalIterations, options.MaxIterations ?? long.MaxValue), WarmupIterations = schedule.WarmupIterations,
            Shards = options.Cluster.Shards, Classes = options.Model.NumClasses, BatchSize = options.Data.BatchSize,
            Semi = options.Method.SemiSupervised && datasets.Unlabeled > 0, CheckpointDirectory = directory,
            Iteration = startIteration, StartIteration = startIteration, EpochsEvaluated = (int)(startIteration / schedule.StepsPerEpoch),
            ResumedFrom = restoreFrom,
        };
        return new NewRun(record, options, datasets, Warnings(options, spec.Workers.Count));
    }

    /// <summary>Sets up every shard and bank, then the dispenser (opened through the current epoch).</summary>
    public static async Task SetUpStateGrains(IGrainFactory grains, RunRecord record, TrainingOptions options, (int Labeled, int Unlabeled) datasets)
    {
        var sync = options.Cluster.Mode == ClusterMode.Sync;
        var shards = Enumerable.Range(0, record.Shards).Select(k => grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(record.RunId, k))
            .Setup(new ShardSetup
            {
                RunId = record.RunId, ConfigText = record.ConfigText, Shard = k, Shards = record.Shards, RestoreFrom = record.ResumedFrom, StepsPerEpoch = record.StepsPerEpoch,
            }));
        var contrastive = options.Method.ContrastiveOptions;
        var banks = Enumerable.Range(0, record.Classes).Select(c => grains.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(record.RunId, c))
            .Setup(new BankSetup
            {
                RunId = record.RunId, ClassIndex = c, Capacity = c == 0 ? contrastive.BackgroundBankCapacity : contrastive.BankCapacity, FeatureDim = 256,
                RestoreFrom = record.ResumedFrom, CheckpointDirectory = record.CheckpointDirectory, MicroBatches = sync ? options.MicroBatches : 0,
            }));
        var dispenser = grains.GetGrain<IDataDispenserGrain>(record.RunId);
        var dispenserSetup = dispenser.Setup(new DispenserSetup
        {
            RunId = record.RunId, Seed = options.Seed, LabeledCount = datasets.Labeled, UnlabeledCount = datasets.Unlabeled, BatchSize = options.Data.BatchSize,
            StepsPerEpoch = record.StepsPerEpoch, Epochs = record.Epochs, LastIteration = record.LastIteration, CompletedIterations = record.StartIteration,
            LeaseTimeoutSeconds = options.Cluster.LeaseTimeoutSeconds, Semi = record.Semi, CheckpointDirectory = record.CheckpointDirectory,
            MicroBatches = sync ? options.MicroBatches : 0,
        });
        await Task.WhenAll(shards);
        await Task.WhenAll(banks.Append(dispenserSetup));
        await dispenser.OpenThrough((record.EpochsEvaluated + 1) * record.StepsPerEpoch);
    }

    /// <summary>
    /// Sync mode: a state grain came back from the latest checkpoint, so every shard, bank and the dispenser go back to
    /// it too, as a new state generation that voids the leases and pushes of before: the run repeats the same steps
    /// from there and ends where it would have. Returns the checkpoint's iteration.
    /// </summary>
    public static async Task<long> Rewind(IGrainFactory grains, RunRecord record)
    {
        var checkpoint = RunModel.LatestCheckpoint(record.CheckpointDirectory) ?? "";
        var iteration = checkpoint.Length > 0 ? (await Task.Run(() => TrainingCheckpoint.ReadInfo(checkpoint))).Iteration : 0;
        var generation = ++record.Generation;
        await Task.WhenAll(
            Enumerable.Range(0, record.Shards).Select(k => grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(record.RunId, k)).Rewind(checkpoint, generation))
                .Concat(Enumerable.Range(0, record.Classes).Select(c => grains.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(record.RunId, c)).Rewind(checkpoint, generation))));
        await grains.GetGrain<IDataDispenserGrain>(record.RunId).Rewind(iteration, generation);
        record.Iteration = iteration;
        return iteration;
    }

    private static IReadOnlyList<string> Warnings(TrainingOptions options, int workers)
    {
        var warnings = options.Warnings().ToList();
        if (options.Method.Contrastive) warnings.AddRange(options.Method.ContrastiveOptions.Warnings(options.Model.NumClasses));
        if (options.Cluster.Mode != ClusterMode.Sync) return warnings;
        if (options.Cluster.WorkerThreads != options.Threads)
        {
            warnings.Add($"sync mode: the workers run libtorch on cluster.worker_threads={options.Cluster.WorkerThreads} threads (0: all cores), " +
                         $"u2pl train on trainer.threads={options.Threads}: the run equals u2pl train bit for bit only with equal thread counts");
        }
        if (options.MicroBatches < workers)
        {
            warnings.Add($"sync mode with trainer.micro_batches={options.MicroBatches}: at most {options.MicroBatches} of the {workers} workers " +
                         "compute each step; set trainer.micro_batches to at least the worker count (dataset.batch_size / M ≥ 2)");
        }
        return warnings;
    }

    private static (TrainingOptions Options, (int Labeled, int Unlabeled) Datasets) Validate(RunSpec spec, DatasetTypes datasetTypes)
    {
        var problems = new List<string>();
        TrainingOptions? options = null;
        try
        {
            options = RunModel.Options(spec.ConfigText, spec.ConfigSource.Length > 0 ? spec.ConfigSource : "run config");
        }
        catch (ConfigException e)
        {
            problems.Add(e.Message);
        }
        if (!spec.Workers.Auto && spec.Workers.Count < 1) problems.Add($"--workers must be at least 1 or auto, got {spec.Workers.Count}");
        if (spec.ResumeFrom.Length > 0 && !RunCheckpointStore.IsStoreUri(spec.ResumeFrom) && !File.Exists(spec.ResumeFrom) && !Directory.Exists(spec.ResumeFrom))
        {
            problems.Add($"--resume: no such checkpoint '{spec.ResumeFrom}'");
        }
        var counts = (0, 0);
        if (options is not null)
        {
            try
            {
                var datasets = TrainingDatasets.Create(options.Data, datasetTypes);
                counts = (datasets.Labeled.Count, datasets.Unlabeled.Count);
                if (datasets.Labeled.ClassCount != options.Model.NumClasses)
                {
                    problems.Add($"net.num_classes is {options.Model.NumClasses} but {datasets.Labeled.Name} has {datasets.Labeled.ClassCount} classes");
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
            {
                problems.Add($"dataset: {e.Message}");
            }
        }
        if (problems.Count > 0)
        {
            throw new RunConfigException($"{(spec.ConfigSource.Length > 0 ? spec.ConfigSource : "the run config")} does not validate:\n  " + string.Join("\n  ", problems));
        }
        return (options!, counts);
    }
}

/// <summary>A validated run: its record, options, dataset sizes, and the warnings its config deserves.</summary>
internal sealed record NewRun(RunRecord Record, TrainingOptions Options, (int Labeled, int Unlabeled) Datasets, IReadOnlyList<string> Warnings);
