using System.Text.Json;
using U2PL.Segmentation.Data;
using U2PL.Synthetic;

namespace U2PL.Client.Tests.TensorBoard;

/// <summary>
/// <c>u2pl train --json</c> writes TensorBoard event files whose every point, read back by an independent reader, is the
/// value the run printed as a JSON line at the same step; a resumed run appends to the same folder at the right steps.
/// </summary>
public sealed class TrainTensorBoardTests : IDisposable
{
    private const int Width = 80;
    private const int Height = 64;
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-tb-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // 4 labeled + 8 unlabeled images, batch 2: 4 steps per epoch; epoch 1 is the supervised warm-up, epoch 2 semi-supervised.
    private string Config(string snapshot) => WriteConfig($"""
        seed: 5
        dataset:
          type: synthetic
          synthetic: {"{"} train_count: 12, val_count: 3, height: {Height}, width: {Width} {"}"}
          labeled: 4
          batch_size: 2
          train:
            crop: {"{"} size: [64, 64] {"}"}
        net: {"{"} arch: resnet18, output_stride: 16 {"}"}
        trainer:
          epochs: 2
          sup_only_epoch: 1
          threads: 2
          optimizer: {"{"} kwargs: {"{"} lr: 0.01 {"}"} {"}"}
          contrastive: {"{"} num_queries: 8, num_negatives: 16, low_rank: 2, high_rank: 5, memory_bank: {"{"} capacity: 500, background_capacity: 500 {"}"} {"}"}
        saver:
          snapshot_dir: {snapshot}
        logging:
          tensorboard_images: 3
        """);

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_directory, $"tiny-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private static List<JsonElement> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    [Fact]
    public void Every_step_and_evaluation_of_a_resumed_run_is_in_the_event_files_with_the_values_of_its_json_lines()
    {
        var snapshot = Path.Combine(_directory, "run");
        var config = Config(snapshot);
        var first = U2plProcess.Run("train", "--config", config, "--set", "trainer.max_iterations=6", "--json");
        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        var resumed = U2plProcess.Run("train", "--config", config, "--resume", snapshot, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        var lines = Lines(first.Output).Concat(Lines(resumed.Output)).ToList();

        var tb = Path.Combine(snapshot, "tb");
        var files = Directory.GetFiles(tb, "events.out.tfevents.*");
        Assert.Equal(2, files.Length); // one per process, side by side in the one folder
        Assert.Empty(Directory.GetDirectories(tb));
        Assert.Contains(lines, l => l.GetProperty("type").GetString() == "message" && l.GetProperty("message").GetString()!.Contains(tb));
        var events = EventFiles.Read(files);
        Assert.Equal(new[] { "brain.Event:2", "brain.Event:2" }, events.FileVersions);

        var steps = lines.Where(l => l.GetProperty("type").GetString() == "step").Select(l => l.GetProperty("step")).ToList();
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), steps.Select(s => s.GetProperty("iteration").GetInt64()));
        var semi = steps.Where(s => !s.GetProperty("warmup").GetBoolean()).Select(s => s.GetProperty("iteration").GetInt64()).ToList();
        Assert.Equal([5L, 6L, 7L, 8L], semi);
        foreach (var step in steps)
        {
            var at = step.GetProperty("iteration").GetInt64();
            Close(step, "ls", events.Scalar("train/loss_sup", at));
            Close(step, "lr", events.Scalar("train/lr", at));
            Close(step, "images_per_s", events.Scalar("train/images_per_s", at), absolute: 5e-4); // the JSON line rounds it
            if (semi.Contains(at))
            {
                Close(step, "lu", events.Scalar("train/loss_unsup", at));
                Close(step, "lc", events.Scalar("train/loss_contra", at));
                Close(step, "lambda_u", events.Scalar("train/lambda_u", at));
                Close(step, "alpha", events.Scalar("train/alpha_t", at));
                Close(step, "gamma_t", events.Scalar("train/gamma_t", at));
            }
        }
        // Nothing but these points: no duplicates from the resume, no semi-supervised values in the warm-up.
        foreach (var tag in new[] { "train/loss_sup", "train/lr", "train/images_per_s" })
        {
            Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), events.Scalars[tag].Select(p => p.Step).Order());
        }
        foreach (var tag in new[] { "train/loss_unsup", "train/loss_contra", "train/lambda_u", "train/alpha_t", "train/gamma_t" })
        {
            Assert.Equal(semi, events.Scalars[tag].Select(p => p.Step).Order());
        }
        Assert.True(events.Scalar("train/lambda_u", 5) >= 1, "λu = pixels / reliable pixels (Eq. 8)");

        // Evaluations: at the end of epoch 1 (step 4), where the first process stopped (6) and at the end (8).
        var evaluations = new List<(long Step, JsonElement Eval)>();
        long lastStep = 0;
        foreach (var line in lines)
        {
            var type = line.GetProperty("type").GetString();
            if (type == "step") lastStep = line.GetProperty("step").GetProperty("iteration").GetInt64();
            if (type == "eval") evaluations.Add((lastStep, line.GetProperty("eval")));
        }
        Assert.Equal([4L, 6L, 8L], evaluations.Select(e => e.Step));
        Assert.Equal([4L, 6L, 8L], events.Scalars["val/mIoU"].Select(p => p.Step).Order());
        var names = SyntheticClasses.Names;
        foreach (var (step, eval) in evaluations)
        {
            Close(eval, "miou", events.Scalar("val/mIoU", step));
            var classIoU = eval.GetProperty("class_iou").EnumerateArray().ToList();
            Assert.Equal(names.Count, classIoU.Count);
            for (var c = 0; c < names.Count; c++)
            {
                if (classIoU[c].ValueKind == JsonValueKind.Null)
                {
                    Assert.DoesNotContain(events.Scalars["val/IoU/" + names[c]], p => p.Step == step);
                }
                else
                {
                    Assert.Equal((float)classIoU[c].GetDouble(), (float)events.Scalar("val/IoU/" + names[c], step), 6);
                }
            }
            for (var n = 0; n < 3; n++)
            {
                var image = Assert.Single(events.Images[$"val/overlay/{n}"], i => i.Step == step);
                // input | ground truth | prediction, each the validation image's size; the PNG's own header agrees.
                Assert.Equal((3 * Width, Height), (image.Width, image.Height));
                Assert.Equal((image.Width, image.Height), (image.PngWidth, image.PngHeight));
                Assert.True(image.Bytes > 1000, $"val/overlay/{n}: a {image.Bytes}-byte PNG");
            }
        }
        Assert.False(events.Images.ContainsKey("val/overlay/3"));

        // The reader does check: one flipped bit inside a record's data fails its CRC.
        var bytes = File.ReadAllBytes(files[0]);
        bytes[^10] ^= 0x01;
        var corrupted = Path.Combine(_directory, "corrupted.tfevents");
        File.WriteAllBytes(corrupted, bytes);
        var (exitCode, _, error) = EventFiles.Run(corrupted);
        Assert.Equal(1, exitCode);
        Assert.Contains("data CRC", error);
    }

    [Fact]
    public void Logging_tensorboard_false_writes_no_event_file()
    {
        var snapshot = Path.Combine(_directory, "run");
        var result = U2plProcess.Run("train", "--config", Config(snapshot), "--set", "trainer.max_iterations=1", "--set", "logging.tensorboard=false", "--json");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.True(File.Exists(Path.Combine(snapshot, "last.safetensors")));
        Assert.False(Directory.Exists(Path.Combine(snapshot, "tb")));
    }

    /// <summary>The event file holds float32: the JSON line's double, rounded to float32, within float32 precision.</summary>
    private static void Close(JsonElement line, string key, double logged, double absolute = 0)
    {
        var value = line.GetProperty(key);
        if (value.ValueKind == JsonValueKind.Null)
        {
            Assert.True(double.IsPositiveInfinity(logged), $"{key}: null (+∞) in the JSON line, {logged} in the event file");
            return;
        }
        var expected = (float)value.GetDouble();
        var tolerance = Math.Max(absolute, 2e-7 * Math.Max(1, Math.Abs(expected)));
        Assert.True(Math.Abs(logged - expected) <= tolerance, $"{key}: {value.GetDouble()} in the JSON line, {logged} in the event file");
    }
}
