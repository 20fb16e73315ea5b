using System.CommandLine;
using U2PL.Client.Cli;
using U2PL.Client.Cluster;
using U2PL.Client.Demo;
using U2PL.Segmentation.Training;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl demo</c>: the README's main command — elastic U2PL training on a silo started in this process.</summary>
public static class DemoCommand
{
    /// <summary>The demo config shipped beside the executable (copied from configs/demo.yaml at build).</summary>
    public static string DefaultConfig => Path.Combine(AppContext.BaseDirectory, "configs", "demo.yaml");

    public static Command Create(DatasetTypes datasetTypes)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for checkpoints and prediction PNGs", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("runs", "demo")) };
        var workers = CommonOptions.Positive("--workers", "Workers to train with (one more joins mid-run unless --no-scale)", 2, min: 1, max: 16);
        var noScale = new Option<bool>("--no-scale") { Description = "Keep the worker count fixed (no worker joins and leaves mid-run)" };
        var config = new Option<FileInfo?>("--config") { Description = "Another training config instead of the built-in demo (configs/demo.yaml)" };
        var set = new Option<string[]>("--set") { Description = "Override a config key: --set trainer.epochs=2 (repeatable)" };
        var images = CommonOptions.Positive("--images", "Validation images to segment at the end (0 for none)", 4, min: 0, max: 100);
        var command = new Command("demo", "Elastic U2PL in one process: a silo, 2 workers on synthetic scenes, a third joins and leaves mid-run; " +
                                          "ends with the val mIoU and prediction PNGs (Ctrl-C stops with a checkpoint)")
        {
            output, workers, noScale, config, set, images,
        };
        command.SetAction(parse => ClusterCommandRunner.Run(cancellationToken => DemoRunner.RunAsync(new DemoSettings(
            parse.GetValue(output)!.FullName,
            parse.GetValue(config)?.FullName ?? DefaultConfig,
            parse.GetValue(set) ?? [],
            parse.GetValue(workers),
            !parse.GetValue(noScale),
            parse.GetValue(images),
            datasetTypes), cancellationToken)));
        return command;
    }
}
