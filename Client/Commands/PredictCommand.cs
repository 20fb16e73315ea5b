using System.CommandLine;
using U2PL.Client.Cli;
using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Training;
using U2PL.Torch;
using U2PL.Torch.Imaging;
using static U2PL.Torch.torch.nn;

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
            var path = TrainingCheckpoint.Resolve(parse.GetValue(checkpoint)!);
            using var model = TrainingCheckpoint.LoadEvaluatedModel(path);
            model.eval();
            model.Decoder.ComputeRepresentation = false;
            var transform = SegmentationTransform.Eval(new AugmentationOptions());
            var palette = Palette(model.Options.NumClasses);
            var directory = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(directory);
            var failures = 0;
            foreach (var file in parse.GetValue(images)!)
            {
                try
                {
                    Predict(model, transform, palette, file.FullName, directory);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or TorchException)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    failures++;
                }
            }
            return failures == 0 ? 0 : CommandRunner.Failure;
        }));
        return command;
    }

    private static void Predict(Segmentation.Models.DeepLabV3Plus model, SegmentationTransform transform, byte[] palette, string file, string directory)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var image = ImageCodec.Read(file);
        using var sample = new SegmentationSample(0, Path.GetFileNameWithoutExtension(file), image.alias(), null);
        using var prepared = transform.Apply(sample, new SampleKey(0, 0, 0, 0));
        using var output = model.forward(prepared.Image.unsqueeze(0));
        var classes = functional.interpolate(output.Prediction, image.size(0), image.size(1), alignCorners: true).argmax(1).squeeze(0);
        var colours = torch.tensor(palette, palette.Length / 3, 3).index_select(0, classes.flatten()).view(image.size(0), image.size(1), 3);
        var overlay = image.to(ScalarType.Float32).mul(0.5).add(colours.to(ScalarType.Float32).mul(0.5)).to(ScalarType.Byte);
        var stem = Path.Combine(directory, Path.GetFileNameWithoutExtension(file));
        ImageCodec.Write(stem + "_mask.png", colours);
        ImageCodec.Write(stem + "_overlay.png", overlay);
        Console.WriteLine($"{file} -> {stem}_mask.png, {stem}_overlay.png");
    }

    /// <summary>The PASCAL VOC colour map (bit-interleaved class id), which extends to any class count.</summary>
    private static byte[] Palette(int classes)
    {
        var palette = new byte[classes * 3];
        for (var c = 0; c < classes; c++)
        {
            int r = 0, g = 0, b = 0, id = c;
            for (var bit = 7; bit >= 0; bit--)
            {
                r |= ((id >> 0) & 1) << bit;
                g |= ((id >> 1) & 1) << bit;
                b |= ((id >> 2) & 1) << bit;
                id >>= 3;
            }
            palette[3 * c] = (byte)r;
            palette[3 * c + 1] = (byte)g;
            palette[3 * c + 2] = (byte)b;
        }
        return palette;
    }
}
