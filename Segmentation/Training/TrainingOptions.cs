using U2PL.Segmentation.Models;

namespace U2PL.Segmentation.Training;

/// <summary>Everything a training run is, read from a YAML config (see <see cref="TrainingConfigReader"/>).</summary>
public sealed record TrainingOptions
{
    public required ModelOptions Model { get; init; }

    public DataOptions Data { get; init; } = new();

    public MethodOptions Method { get; init; } = new();

    /// <summary>Base learning rate (trainer.optimizer.kwargs.lr).</summary>
    public double LearningRate { get; init; } = 0.001;

    public double Momentum { get; init; } = 0.9;

    public double WeightDecay { get; init; } = 0.0001;

    /// <summary>The decoder's learning rate multiplier (the official code uses 10 on VOC, 1 on Cityscapes).</summary>
    public double DecoderLearningRateMultiplier { get; init; } = 10;

    public double PolyPower { get; init; } = 0.9;

    /// <summary>Encoder weights (net.pretrained: an ONNX graph, our weights file or a torchvision state dict; <see cref="Weights.PretrainedEncoder"/>), or none (random init).</summary>
    public string? Pretrained { get; init; }

    /// <summary>
    /// Start from a trained model (net.init_from): the evaluated model of a checkpoint, or a weights file, becomes the
    /// student and the teacher of a new run (e.g. U2PL continuing from a converged SupOnly model).
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>Where checkpoints go (saver.snapshot_dir).</summary>
    public string OutputDirectory { get; init; } = "runs/u2pl";

    /// <summary>A checkpoint every this many iterations (saver.every_steps; 0: only at epoch ends and the end).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>
    /// Where each saved checkpoint is also published (checkpoint.store): <c>file:///path</c> or
    /// <c>azure://account/container/prefix</c>; null: only <see cref="OutputDirectory"/>.
    /// </summary>
    public string? CheckpointStore { get; init; }

    /// <summary>How many of the newest published checkpoints the store keeps, besides the best by val mIoU (checkpoint.keep_last; 0: all).</summary>
    public int CheckpointKeepLast { get; init; } = 3;

    /// <summary>Evaluate at the end of every this many epochs (trainer.eval_every; 0: only at the end).</summary>
    public int EvaluateEveryEpochs { get; init; } = 1;

    /// <summary>Stop after this many iterations (for short runs and tests; the schedules still span all epochs).</summary>
    public long? MaxIterations { get; init; }

    public long Seed { get; init; }

    /// <summary>Where the models and every tensor of a step live (trainer.device): cpu, cuda or cuda:N (see <see cref="TrainingDevice"/>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// M: each step's global batch (dataset.batch_size labeled + as many unlabeled) is computed as M micro-batches whose
    /// gradients and BN statistics are averaged in micro-batch order (trainer.micro_batches). A sync cluster run computes
    /// the same M micro-batches on its workers and equals <c>u2pl train</c> with the same M.
    /// </summary>
    public int MicroBatches { get; init; } = 1;

    /// <summary>Labeled images a micro-batch below which a pretrained encoder's BatchNorm was measured to hurt (see <see cref="Warnings"/>).</summary>
    public const int SmallMicroBatch = 4;

    /// <summary>
    /// What these options allow but was measured to hurt, for <c>u2pl train</c> and <c>run start</c> to print. Micro-batches
    /// of fewer than <see cref="SmallMicroBatch"/> labeled images with a pretrained encoder: BatchNorm normalises each
    /// micro-batch by its own statistics (the official code's SyncBN normalises over the whole batch), and the ASPP
    /// image-pooling BatchNorm then sees 2 values a channel and inflates the gradients (bench/RESULTS.md, CamVid 1/8
    /// pretrained: M = 2 of batch 4 ended its first semi-supervised epoch 14 points below M = 1).
    /// </summary>
    public IEnumerable<string> Warnings()
    {
        if (Pretrained is not null && MicroBatches > 1 && Data.BatchSize / MicroBatches < SmallMicroBatch)
        {
            yield return $"trainer.micro_batches={MicroBatches} cuts dataset.batch_size {Data.BatchSize} into micro-batches of {Data.BatchSize / MicroBatches} labeled images: " +
                         "BatchNorm normalises each micro-batch alone, which with a pretrained encoder was measured to wreck the first semi-supervised epoch " +
                         $"(CamVid 1/8, M = 2 of batch 4: 14 mIoU points below M = 1); keep at least {SmallMicroBatch} labeled images a micro-batch (README, trainer.micro_batches)";
        }
    }

    /// <summary>libtorch intra-op threads (0: all cores).</summary>
    public int Threads { get; init; }

    /// <summary>How a cluster run spreads (cluster.*).</summary>
    public ClusterTrainingOptions Cluster { get; init; } = new();

    /// <summary>TensorBoard event files (logging.*).</summary>
    public LoggingOptions Logging { get; init; } = new();

    /// <summary>The resolved YAML, saved in checkpoints.</summary>
    public string ConfigText { get; init; } = "";
}
