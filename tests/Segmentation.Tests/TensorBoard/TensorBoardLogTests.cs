using TorchSharp;
using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.TensorBoard;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.Tests.TensorBoard;

public class TensorBoardLogTests
{
    private static TrainingOptions Read(string yaml) => TrainingConfigReader.Read(ConfigTree.Parse(yaml, "test.yaml"), yaml);

    [Fact]
    public void The_logging_keys_default_to_on_in_the_snapshot_folder_and_are_validated()
    {
        var defaults = Read("saver: { snapshot_dir: /runs/a }");
        Assert.True(defaults.Logging.TensorBoard);
        Assert.Equal(3, defaults.Logging.TensorBoardImages);
        Assert.Equal("/runs/a/tb", defaults.Logging.TensorBoardPath(defaults.OutputDirectory));
        Assert.Equal("/runs/x/tb", defaults.Logging.TensorBoardPath("/runs/x", "run-1"));

        var set = Read("logging: { tensorboard: false, tensorboard_dir: /logs, tensorboard_images: 0 }");
        Assert.False(set.Logging.TensorBoard);
        Assert.Equal(0, set.Logging.TensorBoardImages);
        Assert.Equal("/logs", set.Logging.TensorBoardPath(set.OutputDirectory));
        Assert.Equal("/logs/run-1", set.Logging.TensorBoardPath("/runs/x", "run-1"));
        Assert.Null(TensorBoardObserver.Create(set, _ => { }));

        var error = Assert.Throws<ConfigException>(() => Read("logging: { tensorbord: false, tensorboard_images: -1, tensorboard: maybe }"));
        Assert.Contains("logging.tensorbord: unknown key", error.Message);
        Assert.Contains("logging.tensorboard_images must be in 0..64", error.Message);
        Assert.Contains("logging.tensorboard: expected", error.Message);
    }

    [Fact]
    public void Steps_and_an_evaluation_with_overlays_go_to_one_event_file_and_leave_no_tensor_behind()
    {
        var directory = Directory.CreateTempSubdirectory("u2pl-tb-").FullName;
        try
        {
            var overlay = new PredictionOverlay("a", 4, 6, Enumerable.Range(0, 4 * 6 * 3).Select(i => (byte)i).ToArray());
            var result = new EvaluationResult(0.5, [0.25, double.NaN, 0.75], 0.9, 2);
            var metrics = new StepMetrics(1, 2, 3, 0.2, 0.5, 0.01, true, 10, TimeSpan.Zero, LambdaU: 2, Gamma: 1.5);
            var warnings = new List<string>();
            var live = LiveTensors.Baseline();
            using (var log = new TensorBoardLog(Path.Combine(directory, "tb"), warnings.Add))
            {
                log.Write(writer => TensorBoardSummaries.WriteStep(writer, 1, metrics, semi: true, imagesPerSecond: 3));
                log.Write(writer => TensorBoardSummaries.WriteEvaluation(writer, 1, result, ["road", "traffic light"], [overlay, overlay]));
                Assert.True(log.IsWriting);
            }
            Assert.Equal(live, torch.Tensor.TotalCount);
            Assert.Empty(warnings);
            var file = Assert.Single(Directory.GetFiles(Path.Combine(directory, "tb"), "events.out.tfevents.*"));
            var bytes = File.ReadAllBytes(file);
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            foreach (var tag in new[] { "train/loss_sup", "train/gamma_t", "train/lambda_u", "val/mIoU", "val/IoU/road", "val/overlay/0", "val/overlay/1" })
            {
                Assert.Contains(tag, text);
            }
            Assert.DoesNotContain("val/IoU/traffic", text); // NaN: the class was absent
            Assert.Equal("traffic_light", TensorBoardSummaries.ClassTag("traffic light"));
            var length = bytes.Length;
            using (var log = new TensorBoardLog(Path.Combine(directory, "tb"), warnings.Add))
            {
                log.Dispose();
                log.Write(writer => TensorBoardSummaries.WriteStep(writer, 2, metrics, semi: true, imagesPerSecond: 3));
            }
            Assert.Equal(length, new FileInfo(file).Length);
            Assert.Single(Directory.GetFiles(Path.Combine(directory, "tb")));  // a disposed log opens no file
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_folder_that_cannot_be_written_is_warned_about_once_and_the_run_goes_on()
    {
        var directory = Directory.CreateTempSubdirectory("u2pl-tb-").FullName;
        try
        {
            var blocker = Path.Combine(directory, "a-file");
            File.WriteAllText(blocker, "");
            var warnings = new List<string>();
            using var log = new TensorBoardLog(Path.Combine(blocker, "tb"), warnings.Add); // a folder below a file: even root cannot create it
            var metrics = new StepMetrics(1, 0, 0, 0, 0, 0.01, false, 0, TimeSpan.Zero);
            for (var step = 1; step <= 3; step++)
            {
                log.Write(writer => TensorBoardSummaries.WriteStep(writer, step, metrics, semi: false, imagesPerSecond: 1));
            }
            Assert.Single(warnings);
            Assert.Contains(log.Directory, warnings[0]);
            Assert.False(log.IsWriting);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
