using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using U2PL.Client.Cli;
using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Training;

namespace U2PL.Client.Commands;

/// <summary>
/// <c>u2pl eval</c>: mIoU and per-class IoU of a checkpoint on a validation split, on the config's
/// <c>trainer.device</c> (a checkpoint trained on a GPU evaluates on a CPU machine with --set trainer.device=cpu).
/// </summary>
public static class EvalCommand
{
    public static Command Create(DatasetTypes datasetTypes)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A training checkpoint (file or run directory) or model weights", Required = true };
        var config = new Option<FileInfo?>("--config") { Description = "Config whose dataset section to use (default: the one saved in the checkpoint)" };
        var set = new Option<string[]>("--set") { Description = "Override a config key, e.g. --set dataset.data_root=/data/camvid" };
        var split = new Option<string?>("--split") { Description = "The split to evaluate (default: dataset.val_split, usually val)" };
        var mode = new Option<string?>("--mode") { Description = "center or sliding (default: dataset.val.mode)" };
        mode.AcceptOnlyFromAmong("center", "sliding");
        var json = CommonOptions.Json();
        var command = new Command("eval", "Evaluate a checkpoint: mIoU and per-class IoU") { checkpoint, config, set, split, mode, json };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var path = TrainingCheckpoint.Resolve(parse.GetValue(checkpoint)!);
            var options = ReadOptions(path, parse.GetValue(config), parse.GetValue(set) ?? []);
            var data = options.Data with { ValSplit = parse.GetValue(split) ?? options.Data.ValSplit };
            var evaluationMode = parse.GetValue(mode) switch { "sliding" => EvaluationMode.Sliding, "center" => EvaluationMode.Center, _ => data.ValMode };
            var device = TrainingDevice.Resolve(options.Device);
            using var model = TrainingCheckpoint.LoadEvaluatedModel(path);
            TrainingDevice.Move(model, device);
            var dataset = TrainingDatasets.OpenValidation(data, datasetTypes);
            var asJson = parse.GetValue(json);
            var result = new Evaluator(evaluationMode, data.ValAugmentation, data.ValCropSize).Evaluate(model, dataset, asJson ? null : (done, total) =>
            {
                if (done % 20 == 0 || done == total) Console.Error.WriteLine($"evaluated {done}/{total}");
            });
            var names = dataset.ClassNames;
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    checkpoint = path, split = data.ValSplit, mode = evaluationMode.ToString().ToLowerInvariant(), images = result.Images,
                    miou = result.MeanIoU, pixel_accuracy = result.PixelAccuracy,
                    class_iou = names.Select((name, i) => (name, value: double.IsNaN(result.ClassIoU[i]) ? (double?)null : result.ClassIoU[i])).ToDictionary(p => p.name, p => p.value),
                }));
                return 0;
            }
            var table = new Table().AddColumn("class").AddColumn(new TableColumn("IoU %").RightAligned());
            for (var i = 0; i < names.Count; i++)
            {
                table.AddRow(Markup.Escape(names[i]), double.IsNaN(result.ClassIoU[i]) ? "-" : $"{result.ClassIoU[i] * 100:F2}");
            }
            table.AddRow("[bold]mIoU[/]", $"[bold]{result.MeanIoU * 100:F2}[/]");
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    /// <summary>The config given, or the one the checkpoint was trained with.</summary>
    private static TrainingOptions ReadOptions(string checkpoint, FileInfo? config, string[] overrides)
    {
        if (config is not null)
        {
            return TrainingConfigReader.Read(config.FullName, overrides);
        }
        var text = TrainingCheckpoint.ReadInfo(checkpoint).Config;
        var tree = ConfigTree.Parse(text, checkpoint);
        foreach (var assignment in overrides)
        {
            tree.Set(assignment);
        }
        return TrainingConfigReader.Read(tree, text);
    }
}
