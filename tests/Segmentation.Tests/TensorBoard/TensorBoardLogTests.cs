using U2PL.Segmentation.Configuration;
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
