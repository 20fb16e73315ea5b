using System.Text.Json;
using Onnx;
using TorchSharp;
using U2PL.Segmentation.Training;
using U2PL.Segmentation.Weights;

namespace U2PL.Client.Tests;

/// <summary>Real <c>u2pl train</c> / <c>u2pl eval</c> processes on a tiny synthetic config.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-train-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Config(string extra = "")
    {
        var path = Path.Combine(_directory, $"tiny-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            seed: 5
            dataset:
              type: synthetic
              synthetic: {"{"} train_count: 24, val_count: 3, height: 64, width: 80 {"}"}
              labeled: 8
              batch_size: 2
              train:
                crop: {"{"} size: [64, 64] {"}"}
            net: {"{"} arch: resnet18, output_stride: 16 {"}"}
            trainer:
              epochs: 2
              sup_only_epoch: 0
              threads: 2
              optimizer: {"{"} kwargs: {"{"} lr: 0.01 {"}"} {"}"}
              contrastive: {"{"} num_queries: 8, num_negatives: 16, low_rank: 2, high_rank: 5 {"}"}
            saver:
              snapshot_dir: {Path.Combine(_directory, "run-" + Guid.NewGuid().ToString("N"))}
            {extra}
            """);
        return path;
    }

    private static List<JsonElement> Lines(string output, string type) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement).Where(e => e.GetProperty("type").GetString() == type)
        .Select(e => e.GetProperty(type).Clone()).ToList();

    private static double[] Losses(JsonElement step) => [step.GetProperty("ls").GetDouble(), step.GetProperty("lu").GetDouble(), step.GetProperty("lc").GetDouble()];

    [Fact]
    public void A_resumed_run_continues_with_exactly_the_losses_of_an_uninterrupted_one()
    {
        var straight = U2plProcess.Run("train", "--config", Config(), "--set", "trainer.max_iterations=4", "--json");
        Assert.True(straight.ExitCode == 0, straight.Error + straight.Output);
        var straightSteps = Lines(straight.Output, "step");
        Assert.Equal(4, straightSteps.Count);
        Assert.All(straightSteps, s => Assert.True(s.GetProperty("lu").GetDouble() > 0, "semi-supervised from the first step"));

        var config = Config();
        var first = U2plProcess.Run("train", "--config", config, "--set", "trainer.max_iterations=2", "--json");
        Assert.True(first.ExitCode == 0, first.Error);
        var checkpoint = Lines(first.Output, "checkpoint")[^1].GetProperty("path").GetString()!;
        var resumed = U2plProcess.Run("train", "--config", config, "--set", "trainer.max_iterations=4", "--resume", checkpoint, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var resumedSteps = Lines(resumed.Output, "step");
        Assert.Equal([3L, 4L], resumedSteps.Select(s => s.GetProperty("iteration").GetInt64()));
        Assert.Equal(Losses(straightSteps[2]), Losses(resumedSteps[0]));
        Assert.Equal(Losses(straightSteps[3]), Losses(resumedSteps[1]));

        var eval = U2plProcess.Run("eval", "--checkpoint", Path.GetDirectoryName(checkpoint)!, "--json");
        Assert.True(eval.ExitCode == 0, eval.Error);
        using var result = JsonDocument.Parse(eval.Output);
        Assert.InRange(result.RootElement.GetProperty("miou").GetDouble(), 0, 1);
        Assert.Equal(3, result.RootElement.GetProperty("images").GetInt32());

        File.Copy(Path.Combine(U2plProcess.RepositoryRoot, "..", "shared", "datasets", "camvid-180x240", "images", "val", "0016E5_07959.jpg"), Path.Combine(_directory, "scene.jpg"));
        var predictions = Path.Combine(_directory, "predictions");
        var predict = U2plProcess.Run("predict", "--checkpoint", checkpoint, "--image", Path.Combine(_directory, "scene.jpg"), Path.Combine(_directory, "missing.png"), "--out", predictions);
        Assert.Equal(1, predict.ExitCode);
        Assert.Contains("missing.png", predict.Error);
        Assert.True(File.Exists(Path.Combine(predictions, "scene_mask.png")), "the readable image is still segmented");
        Assert.True(File.Exists(Path.Combine(predictions, "scene_overlay.png")));
    }

    [Fact]
    public void Training_with_net_pretrained_on_the_packaged_onnx_graph_starts_from_the_imagenet_encoder()
    {
        var graph = Path.Combine(U2plProcess.RepositoryRoot, OnnxEncoderWeights.BuiltGraph);
        var run = U2plProcess.Run("train", "--config", Config(), "--set", "net.arch=resnet18-3b", "--set", $"net.pretrained={graph}",
            "--set", "trainer.max_iterations=1", "--json");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var checkpoint = Lines(run.Output, "checkpoint")[^1].GetProperty("path").GetString()!;

        // One SGD step (lr 0.01) moves layer4.2.conv2 (the graph's Parameter10) by far less than 1%; a random init is ~100% off.
        using var model = TrainingCheckpoint.LoadEvaluatedModel(TrainingCheckpoint.Resolve(checkpoint));
        var initializer = ModelProto.Parser.ParseFrom(File.ReadAllBytes(graph)).Graph.Initializer.Single(t => t.Name == "Parameter10");
        using var expected = torch.tensor(initializer.FloatData.ToArray(), [.. initializer.Dims]);
        using var difference = model.Encoder.state_dict()["layer4.2.conv2.weight"] - expected;
        var relative = difference.norm().ToDouble() / expected.norm().ToDouble();
        Assert.True(relative < 1e-2, $"layer4.2.conv2 is {relative:E2} away from the ImageNet weights");

        var missing = U2plProcess.Run("train", "--config", Config(), "--set", "net.arch=resnet18-3b", "--set", "net.pretrained=artifacts/nowhere/ResNet18.onnx");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("net.pretrained: no such file 'artifacts/nowhere/ResNet18.onnx' (./build.sh copies Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1's graphs to artifacts/DnnImageModels/ResNet18Onnx/ResNet18.onnx", missing.Error);
    }

    [Fact]
    public void Ctrl_c_saves_a_checkpoint_before_stopping()
    {
        using var process = U2plProcess.StartInteractive("train", "--config", Config(), "--json");
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null && !line.Contains("\"type\":\"step\"", StringComparison.Ordinal))
        {
        }
        Assert.NotNull(line);
        U2plProcess.Interrupt(process);
        var rest = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.Equal(130, process.ExitCode);
        var summary = Lines(rest, "summary").Single();
        Assert.True(summary.GetProperty("Interrupted").GetBoolean());
        var checkpoint = summary.GetProperty("Checkpoint").GetString()!;
        Assert.True(File.Exists(checkpoint));
        Assert.True(File.Exists(Path.ChangeExtension(checkpoint, ".json")));
    }

    [Fact]
    public void A_bad_config_lists_every_problem_and_starts_nothing()
    {
        var config = Config("""
            criterion: { type: focal }
            trainer_typo: 3
            """);
        var result = U2plProcess.Run("train", "--config", config, "--set", "trainer.epochs=abc", "--set", "dataset.batch_size=0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("trainer.epochs: expected an integer, got 'abc'", result.Error);
        Assert.Contains("dataset.batch_size must be at least 1, got 0", result.Error);
        Assert.Contains("criterion.type: expected one of ce, ohem, got 'focal'", result.Error);
        Assert.Contains("trainer_typo: unknown key", result.Error);
        Assert.DoesNotContain("\"type\":\"step\"", result.Output);
    }

    [Fact]
    public void Two_classes_with_the_default_low_rank_is_a_config_error()
    {
        var result = U2plProcess.Run("train", "--config", Config(), "--set", "net.num_classes=2", "--set", "trainer.contrastive.low_rank=3");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("contrastive.low_rank must be 1 with 2 classes", result.Error);
    }

    [Fact]
    public void Cuda_without_cuda_fails_at_once_with_a_clear_error_and_writes_nothing()
    {
        Assert.SkipWhen(TorchSharp.torch.cuda.is_available(), "this machine has CUDA: the error cannot happen here");
        var snapshots = Path.Combine(_directory, "cuda-run");
        var result = U2plProcess.Run("train", "--config", Config(), "--set", "trainer.device=cuda", "--set", $"saver.snapshot_dir={snapshots}", "--json");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: trainer.device is 'cuda' but CUDA is not available", result.Error);
        Assert.Contains("use trainer.device: cpu", result.Error);
        Assert.DoesNotContain("Unhandled exception", result.Error);
        Assert.Equal("", result.Output);
        Assert.False(Directory.Exists(snapshots), "no checkpoint directory");

        var typo = U2plProcess.Run("train", "--config", Config(), "--set", "trainer.device=tpu");
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("trainer.device: 'tpu' is not a device: use cpu, cuda or cuda:N", typo.Error);
    }
}
