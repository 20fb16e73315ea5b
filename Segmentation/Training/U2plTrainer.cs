using System.Diagnostics;
using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Serialization;
using TorchSharp.Modules;

namespace U2PL.Segmentation.Training;

/// <summary>
/// Single-process U2PL training: datasets and prefetching loaders, student and EMA teacher, SGD with poly decay, the
/// memory banks, <see cref="U2plStep"/> per iteration, evaluation at epoch ends (the student during the warm-up, the
/// teacher after), checkpoints ("last" periodically and at epoch ends, "best" by val mIoU), resume from a checkpoint
/// (same seed → the same losses), and a checkpoint before stopping when cancelled. Models, memory banks and every
/// tensor of a step live on <c>trainer.device</c>; checkpoints are written from and read into CPU memory. The datasets
/// open through <paramref name="types"/>.
/// </summary>
public sealed class U2plTrainer(TrainingOptions options, DatasetTypes types, ITrainingObserver observer)
{
    public TrainingSummary Run(string? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        // First, so that a device this machine lacks fails before any data is read or anything is written.
        var device = TrainingDevice.Resolve(options.Device);
        torch.set_num_threads(options.Threads > 0 ? options.Threads : Environment.ProcessorCount);
        torch.manual_seed(options.Seed);
        var datasets = TrainingDatasets.Create(options.Data, types);
        if (datasets.Labeled.ClassCount != options.Model.NumClasses)
        {
            throw new InvalidDataException($"net.num_classes is {options.Model.NumClasses} but {datasets.Labeled.Name} has {datasets.Labeled.ClassCount} classes");
        }
        foreach (var warning in options.Warnings().Concat(options.Method.Contrastive ? options.Method.ContrastiveOptions.Warnings(options.Model.NumClasses) : []))
        {
            observer.OnMessage("warning: " + warning);
        }
        observer.OnMessage($"labeled {datasets.Labeled.Count}, unlabeled {datasets.Unlabeled.Count}, val {datasets.Validation.Count} images; " +
                           $"{options.Model.Architecture.Name()} OS{options.Model.OutputStride}, {options.Model.NumClasses} classes; device {device}");

        using var student = DeepLabV3Plus.Seeded(options.Model, options.Seed);
        using var teacherModel = new DeepLabV3Plus(options.Model);
        if (options.Pretrained is { } pretrained)
        {
            PretrainedEncoder.ImportInto(student, pretrained, options.Data.TrainAugmentation.Mean, options.Data.TrainAugmentation.Std);
        }
        if (options.InitFrom is { } init)
        {
            using var trained = TrainingCheckpoint.LoadEvaluatedModel(TrainingCheckpoint.Resolve(init));
            StrictStateDict.Load(student, trained.state_dict());
            observer.OnMessage($"student and teacher start from {init}");
        }
        StrictStateDict.Load(teacherModel, student.state_dict());
        TrainingDevice.Move(student, device);
        TrainingDevice.Move(teacherModel, device);
        // After the move: a move to another device replaces the parameters, and SGD must hold the moved ones.
        using var optimizer = Sgd.Create(
            [(student.Encoder.parameters(), options.LearningRate),
             (student.Decoder.parameters(), options.LearningRate * options.DecoderLearningRateMultiplier)],
            options.Momentum, options.WeightDecay);
        var banks = Enumerable.Range(0, options.Model.NumClasses)
            .Select(c => new ClassMemoryBank(c == 0 ? options.Method.ContrastiveOptions.BackgroundBankCapacity : options.Method.ContrastiveOptions.BankCapacity, 256, device))
            .ToArray();
        try
        {
            return Train(datasets, student, teacherModel, optimizer, banks, resumeFrom, cancellationToken);
        }
        finally
        {
            foreach (var bank in banks)
            {
                bank.Dispose();
            }
        }
    }

    private TrainingSummary Train(TrainingDatasets datasets, DeepLabV3Plus student, DeepLabV3Plus teacherModel, SGD optimizer,
        ClassMemoryBank[] banks, string? resumeFrom, CancellationToken cancellationToken)
    {
        var semi = options.Method.SemiSupervised && datasets.Unlabeled.Count > 0;
        var batch = options.Data.BatchSize;
        var stepsPerEpoch = (long)Math.Ceiling(Math.Max(datasets.Labeled.Count, datasets.Unlabeled.Count) / (double)batch);
        var schedule = new TrainingSchedule(stepsPerEpoch, options.Method.Epochs, options.Method.SupervisedOnlyEpochs);
        var teacher = new EmaTeacher(student, teacherModel, options.Method.EmaDecay);
        using var step = new MicroBatchedStep(student, teacher, optimizer, banks, options, schedule);
        var parts = new TrainingCheckpoint.Parts(student, teacherModel, optimizer, banks);
        var evaluator = new Evaluator(options.Data.ValMode, options.Data.ValAugmentation, options.Data.ValCropSize);
        var statistics = new BadSampleStatistics();

        long iteration = 0;
        double best = 0;
        if (resumeFrom is not null)
        {
            var info = TrainingCheckpoint.Restore(TrainingCheckpoint.Resolve(resumeFrom), parts);
            iteration = info.Iteration;
            best = info.BestMeanIoU;
            observer.OnMessage($"resumed at iteration {iteration} (epoch {schedule.EpochOf(iteration)})");
        }
        var last = Math.Min(schedule.TotalIterations, options.MaxIterations ?? long.MaxValue);
        var clock = Stopwatch.StartNew();
        var startIteration = iteration;
        TimeSpan dataWait = TimeSpan.Zero, bankTime = TimeSpan.Zero, stepTime = TimeSpan.Zero;
        long images = 0;
        EvaluationResult? lastEvaluation = null;
        string? checkpoint = null;

        CheckpointInfo Info(long at) => new()
        {
            Iteration = at, Epoch = schedule.EpochOf(Math.Max(0, at - 1)), Seed = options.Seed, EvaluatedModel = EvaluatedModel(at),
            BestMeanIoU = best, LastMeanIoU = lastEvaluation?.MeanIoU, Config = options.ConfigText,
            BadSamplesSkipped = statistics.Count, SavedAt = DateTimeOffset.UtcNow,
        };
        string EvaluatedModel(long at) => semi && at > schedule.WarmupIterations ? "teacher" : "student";

        while (iteration < last)
        {
            var epoch = schedule.EpochOf(iteration);
            var skip = (int)(iteration - epoch * stepsPerEpoch);
            var stepsThisEpoch = (int)Math.Min(stepsPerEpoch - skip, last - iteration);
            using var labeledLoader = Loader(datasets.Labeled, SegmentationTransform.Train(options.Data.TrainAugmentation), epoch, skip, stepsThisEpoch, stream: 0, statistics, cancellationToken);
            using var unlabeledLoader = semi
                ? Loader(datasets.Unlabeled, SegmentationTransform.Weak(options.Data.TrainAugmentation), epoch, skip, stepsThisEpoch, stream: 1, statistics, cancellationToken)
                : null;
            for (var i = 0; i < stepsThisEpoch; i++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    checkpoint = TrainingCheckpoint.Save(options.OutputDirectory, "last", parts, Info(iteration));
                    observer.OnCheckpoint(checkpoint, iteration);
                    return Summary(iteration, interrupted: true);
                }
                var waitStart = clock.Elapsed;
                using var labeledBatch = labeledLoader.Next(cancellationToken) ?? throw new InvalidOperationException("the labeled loader ended early");
                using var unlabeledBatch = unlabeledLoader?.Next(cancellationToken);
                var stepStart = clock.Elapsed;
                dataWait += stepStart - waitStart;
                using var valid = unlabeledBatch is null ? null : torch.ones([unlabeledBatch.Images.size(0), unlabeledBatch.Images.size(2), unlabeledBatch.Images.size(3)], ScalarType.Bool, student.Device);
                var metrics = step.Run(new LabeledBatch(labeledBatch.Images, labeledBatch.Labels!),
                    unlabeledBatch is null ? null : new UnlabeledBatch(unlabeledBatch.Images, valid!), iteration);
                NativeHeap.Trim();
                var thisStep = clock.Elapsed - stepStart;
                stepTime += thisStep;
                bankTime += metrics.MemoryBankTime;
                var warmup = schedule.IsWarmup(iteration) || !semi;
                images += labeledBatch.Count + (warmup ? 0 : unlabeledBatch?.Count ?? 0);
                iteration++;
                var done = iteration - startIteration;
                var elapsed = clock.Elapsed.TotalSeconds;
                observer.OnStep(new TrainingProgress(iteration, last, epoch, schedule.Epochs, warmup, metrics, images / elapsed, TimeSpan.FromSeconds(elapsed / done * (last - iteration)), thisStep, stepStart - waitStart));
                if (options.CheckpointEverySteps > 0 && iteration % options.CheckpointEverySteps == 0)
                {
                    checkpoint = TrainingCheckpoint.Save(options.OutputDirectory, "last", parts, Info(iteration));
                    observer.OnCheckpoint(checkpoint, iteration);
                }
            }

            var epochEnded = iteration % stepsPerEpoch == 0 || iteration == last;
            var evaluate = iteration == last || (options.EvaluateEveryEpochs > 0 && (epoch + 1) % options.EvaluateEveryEpochs == 0);
            if (epochEnded && evaluate)
            {
                var model = EvaluatedModel(iteration) == "teacher" ? teacherModel : student;
                lastEvaluation = evaluator.Evaluate(model, datasets.Validation);
                observer.OnEvaluation(epoch, EvaluatedModel(iteration), lastEvaluation);
                observer.OnEvaluated(iteration, lastEvaluation, model, datasets.Validation);
                if (lastEvaluation.MeanIoU > best)
                {
                    best = lastEvaluation.MeanIoU;
                    TrainingCheckpoint.Save(options.OutputDirectory, "best", parts, Info(iteration));
                }
            }
            checkpoint = TrainingCheckpoint.Save(options.OutputDirectory, "last", parts, Info(iteration));
            observer.OnCheckpoint(checkpoint, iteration);
        }
        return Summary(iteration, interrupted: false);

        TrainingSummary Summary(long at, bool interrupted)
        {
            var total = Math.Max(1e-9, (stepTime + dataWait).TotalSeconds);
            return new TrainingSummary(at, interrupted, lastEvaluation, best, checkpoint, clock.Elapsed, dataWait.TotalSeconds / total,
                bankTime.TotalSeconds / Math.Max(1e-9, stepTime.TotalSeconds), statistics.Count);
        }
    }

    /// <summary>
    /// The epoch's batches: each set drawn (repeating through reshuffles when smaller) to fill the epoch's steps, a
    /// function of (seed, epoch) only, so a resumed run sees the same batches; the first <paramref name="skip"/> are
    /// dropped when resuming mid-epoch.
    /// </summary>
    private BatchLoader Loader(ISegmentationDataset dataset, ISampleTransform transform, int epoch, int skip, int steps, int stream,
        BadSampleStatistics statistics, CancellationToken cancellationToken)
    {
        var batch = options.Data.BatchSize;
        var stepsPerEpoch = skip + steps;
        var order = EpochOrder.Take(dataset.Count, (int)(stepsPerEpoch * batch), options.Seed * 31 + stream, epoch).Skip(skip * batch).Take(steps * batch).ToArray();
        var loaderOptions = new BatchLoaderOptions
        {
            BatchSize = batch, PrefetchBatches = options.Data.Prefetch, Workers = options.Data.Workers, DropLast = true, OnBadSample = options.Data.OnBadSample,
        };
        return new BatchLoader(dataset, transform, order, loaderOptions, new SampleKey(options.Seed, 0, epoch, 0, stream), statistics, cancellationToken);
    }
}
