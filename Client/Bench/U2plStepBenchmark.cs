using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using U2PL.Synthetic;

namespace U2PL.Client.Bench;

/// <summary>
/// The full U2PL step through the real trainer (prefetching loaders on synthetic scenes, teacher forwards, student
/// forward/backward on labeled + unlabeled, Lc with the memory banks, SGD, EMA): per-step times after the warm-up, and
/// the shares of the step spent in the memory banks (push + sample) and waiting for data.
/// </summary>
public sealed class U2plStepBenchmark(ModelOptions model, int batch, int size, int threads, int steps, int warmup)
{
    public sealed record Result(double[] StepMilliseconds, double MemoryBankShare, double DataWaitShare, long Negatives);

    public Result Run()
    {
        var output = Directory.CreateTempSubdirectory("u2pl-bench-").FullName;
        try
        {
            var unlabeled = (steps + warmup) * batch;
            var options = new TrainingOptions
            {
                Model = model,
                Data = new DataOptions
                {
                    Type = "synthetic",
                    SyntheticTrainCount = unlabeled * 8 / 7 + 8,
                    SyntheticValCount = 1,
                    SyntheticHeight = Math.Max(size, 128),
                    SyntheticWidth = Math.Max(size, 160),
                    Labeled = "1/8",
                    BatchSize = batch,
                    TrainAugmentation = AugmentationOptions.WithCrop(size),
                    ValMode = EvaluationMode.Center,
                },
                Method = new MethodOptions { Epochs = 1, SupervisedOnlyEpochs = 0 },
                DecoderLearningRateMultiplier = 1,
                LearningRate = 0.01,
                MaxIterations = steps + warmup,
                EvaluateEveryEpochs = 0,
                Threads = threads,
                OutputDirectory = output,
            };
            var observer = new Collector();
            new U2plTrainer(options, DatasetTypes.Files.WithSyntheticScenes(), observer).Run();
            var timed = observer.Steps.Skip(warmup).ToArray();
            var stepSeconds = timed.Sum(p => p.StepTime.TotalSeconds);
            return new Result(
                timed.Select(p => p.StepTime.TotalMilliseconds).ToArray(),
                timed.Sum(p => p.Metrics.MemoryBankTime.TotalSeconds) / stepSeconds,
                timed.Sum(p => p.DataWait.TotalSeconds) / (stepSeconds + timed.Sum(p => p.DataWait.TotalSeconds)),
                timed.Sum(p => p.Metrics.NegativesPushed));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private sealed class Collector : ITrainingObserver
    {
        public List<TrainingProgress> Steps { get; } = [];

        public void OnStep(TrainingProgress progress) => Steps.Add(progress);

        public void OnEvaluation(int epoch, string model, EvaluationResult result) { }

        public void OnCheckpoint(string path, long iteration) { }

        public void OnMessage(string message) { }
    }
}
