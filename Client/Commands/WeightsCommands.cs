using System.CommandLine;
using U2PL.Client.Cli;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl weights import</c>: torchvision ResNet weights into a model file of ours.</summary>
public static class WeightsCommands
{
    public static Command Create()
    {
        var torchvision = new Option<FileInfo>("--torchvision")
        {
            Description = "A torchvision ResNet state dict (torch.save .pth, or safetensors with torchvision's key names)",
            Required = true,
        };
        var arch = CommonOptions.Arch();
        var classes = CommonOptions.Classes();
        var outputStride = CommonOptions.OutputStride();
        var output = new Option<FileInfo>("--out") { Description = "The model weights to write (.safetensors)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the decoder's random initialisation", DefaultValueFactory = _ => 0 };

        var import = new Command("import", "Import torchvision ResNet weights as the encoder of a new model (decoder freshly initialised)")
        {
            torchvision, arch, classes, outputStride, output, seed,
        };
        import.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new ModelOptions(ResNetArchitectures.Parse(parse.GetValue(arch)!), parse.GetValue(classes), parse.GetValue(outputStride));
            var source = parse.GetValue(torchvision)!.FullName;
            var destination = parse.GetValue(output)!.FullName;
            torch.manual_seed(parse.GetValue(seed));
            using var model = new DeepLabV3Plus(options);
            TorchvisionWeights.ImportInto(model, source);
            ModelWeights.Save(model, destination, new Dictionary<string, string> { ["encoder_source"] = Path.GetFileName(source) });
            Console.WriteLine($"imported {model.Encoder.state_dict().Count} encoder tensors from {source}");
            Console.WriteLine($"wrote {destination} ({options.Architecture.Name()}, {options.NumClasses} classes, output stride {options.OutputStride})");
            return 0;
        }));
        return new Command("weights", "Import and convert model weights") { import };
    }
}
