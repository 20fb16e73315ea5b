using System.Text.Json;
using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.Tests.Training;

/// <summary>No key is read and ignored: each documented key (README "Configuration"), set to a value other than its
/// default, either changes the options the run is built from or is refused.</summary>
public class ConfigKeyTests
{
    public static TheoryData<string, string> NonDefaultValues() => new()
    {
        { "seed", "7" },
        { "dataset.type", "folder" },
        { "dataset.data_root", "/tmp" },
        { "dataset.labeled", "1/4" },
        { "dataset.unlabeled", "unlabeled.txt" },
        { "dataset.split_seed", "3" },
        { "dataset.train_split", "trainval" },
        { "dataset.val_split", "test" },
        { "dataset.synthetic.train_count", "50" },
        { "dataset.synthetic.val_count", "10" },
        { "dataset.synthetic.height", "96" },
        { "dataset.synthetic.width", "96" },
        { "dataset.synthetic.seed", "5" },
        { "dataset.batch_size", "2" },
        { "dataset.workers", "2" },
        { "dataset.prefetch", "4" },
        { "dataset.on_bad_sample", "skip" },
        { "dataset.mean", "[0.5, 0.5, 0.5]" },
        { "dataset.std", "[0.5, 0.5, 0.5]" },
        { "dataset.ignore_label", "254" },
        { "dataset.train.rand_resize", "[0.75, 1.5]" },
        { "dataset.train.flip", "false" },
        { "dataset.train.crop.size", "[96, 96]" },
        { "dataset.val.mode", "sliding" },
        { "dataset.val.crop.size", "[96, 96]" },
        { "net.arch", "resnet50" },
        { "net.num_classes", "5" },
        { "net.output_stride", "16" },
        { "net.ema_decay", "0.999" },
        { "net.pretrained", "/no/such/encoder.pth" },
        { "net.init_from", "/no/such/checkpoint" },
        { "trainer.epochs", "40" },
        { "trainer.sup_only_epoch", "2" },
        { "trainer.semi", "false" },
        { "trainer.eval_every", "2" },
        { "trainer.max_iterations", "10" },
        { "trainer.threads", "1" },
        { "trainer.micro_batches", "2" },
        { "trainer.device", "cuda:1" },
        { "trainer.optimizer.kwargs.lr", "0.01" },
        { "trainer.optimizer.kwargs.momentum", "0.8" },
        { "trainer.optimizer.kwargs.weight_decay", "0.0005" },
        { "trainer.optimizer.decoder_lr_multiplier", "1" },
        { "trainer.lr_scheduler.kwargs.power", "1.0" },
        { "trainer.unsupervised.drop_percent", "70" },
        { "trainer.unsupervised.apply_aug", "none" },
        { "trainer.unsupervised.cutmix_probability", "1.0" },
        { "trainer.unsupervised.loss_weight", "0.5" },
        { "trainer.unsupervised.eta", "2" },
        { "trainer.contrastive.enabled", "false" },
        { "trainer.contrastive.variant", "official" },
        { "trainer.contrastive.loss", "binary" },
        { "trainer.contrastive.num_queries", "256" },
        { "trainer.contrastive.num_negatives", "50" },
        { "trainer.contrastive.current_class_threshold", "0.5" },
        { "trainer.contrastive.low_rank", "2" },
        { "trainer.contrastive.high_rank", "6" },
        { "trainer.contrastive.temperature", "0.2" },
        { "trainer.contrastive.loss_weight", "1" },
        { "trainer.contrastive.low_entropy_threshold", "30" },
        { "trainer.contrastive.unsupervised_entropy_ignore", "70" },
        { "trainer.contrastive.negative_high_entropy", "false" },
        { "trainer.contrastive.current_class_negative_threshold", "0.5" },
        { "trainer.contrastive.memory_bank.capacity", "1000" },
        { "trainer.contrastive.memory_bank.background_capacity", "2000" },
        { "criterion.type", "ohem" },
        { "criterion.kwargs.thresh", "0.5" },
        { "criterion.kwargs.min_kept", "1000" },
        { "saver.snapshot_dir", "/tmp/elsewhere" },
        { "saver.every_steps", "5" },
        { "checkpoint.store", "file:///tmp/store" },
        { "checkpoint.keep_last", "1" },
        { "cluster.mode", "async" },
        { "cluster.shards", "3" },
        { "cluster.lease_timeout_seconds", "7" },
        { "cluster.worker_threads", "1" },
        { "cluster.staleness", "2" },
        { "cluster.staleness_policy", "downweight" },
        { "cluster.half_precision_wire", "true" },
        { "cluster.data_plane", "false" },
        { "cluster.wire", "bf16" },
        { "cluster.bank_cache_rows", "100" },
        { "cluster.bank_refresh_steps", "3" },
        { "logging.tensorboard", "false" },
        { "logging.tensorboard_dir", "/tmp/tb" },
        { "logging.tensorboard_images", "5" },
    };

    [Theory]
    [MemberData(nameof(NonDefaultValues))]
    public void A_non_default_value_changes_the_options_or_is_refused(string key, string value)
    {
        var defaults = Describe(Read([]));
        TrainingOptions options;
        try
        {
            options = Read([$"{key}={value}"]);
        }
        catch (ConfigException e)
        {
            Assert.Contains(key.Split('.')[^1], e.Message);
            return;
        }
        Assert.NotEqual(defaults, Describe(options));
    }

    [Fact]
    public void Low_entropy_threshold_sets_the_official_variants_alpha_and_is_refused_for_the_paper_variant()
    {
        var official = Read(["trainer.contrastive.variant=official", "trainer.contrastive.low_entropy_threshold=30"]);
        Assert.Equal(0.3, official.Method.ContrastiveOptions.LowEntropyThreshold, 12);
        var e = Assert.Throws<ConfigException>(() => Read(["trainer.contrastive.low_entropy_threshold=30"]));
        Assert.Contains("only the official variant uses it", e.Message);
    }

    private static TrainingOptions Read(string[] overrides)
    {
        var tree = ConfigTree.Parse("trainer:\n  contrastive:\n    enabled: true\n", "test.yaml");
        foreach (var assignment in overrides)
        {
            tree.Set(assignment);
        }
        return TrainingConfigReader.Read(tree, "");
    }

    private static string Describe(TrainingOptions options) => JsonSerializer.Serialize(options with { ConfigText = "" });
}
