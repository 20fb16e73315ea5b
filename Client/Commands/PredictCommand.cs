using System.CommandLine;
using U2PL.Client.Cli;
using U2PL.Client.Prediction;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl predict</c>: colour-palette masks and overlays for images.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A training checkpoint (file or run directory) or model weights", Required = true };
        var images = new Option<FileInfo[]>("--image") { Description = "Images to segment (repeatable, or several after one --image)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for <name>_mask.png and <name>_overlay.png", Required = true };
        var command = new Command("predict", "Segment images: colour-palette PNG masks and overlays") { checkpoint, images, output };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            using var predictor = SegmentationPredictor.Load(parse.GetValue(checkpoint)!);
            var directory = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(directory);
            var failures = 0;
            foreach (var file in parse.GetValue(images)!)
            {
                try
                {
                    var (mask, overlay) = predictor.PredictFile(file.FullName, directory);
                    Console.WriteLine($"{file.FullName} -> {mask}, {overlay}");
                }
                catch (Exception e) when (e is IOException or InvalidDataException or System.Runtime.InteropServices.ExternalException)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    failures++;
                }
            }
            return failures == 0 ? 0 : CommandRunner.Failure;
        }));
        return command;
    }
}
