using System.CommandLine;
using U2PL.Client.Cli;
using U2PL.Segmentation.Augmentation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl weights import</c>: torchvision ResNet weights, or an ONNX ResNet, into a model file of ours.</summary>
public static class WeightsCommands
{
    public static Command Create()
    {
        var torchvision = new Option<FileInfo>("--torchvision")
        {
            Description = "A torchvision ResNet state dict (torch.save .pth, or safetensors with torchvision's key names)",
        };
        var onnx = new Option<FileInfo>("--onnx")
        {
            Description = $"An ONNX ResNet taking BGR 0..255 minus a mean image, as {OnnxEncoderWeights.BuiltGraph} (--arch resnet18-3b)",
        };
        var preprocess = new Option<FileInfo>("--preprocess")
        {
            Description = "The ONNX graph that subtracts the mean image (default: ../ResNetPrepOnnx/ResNetPreprocess.onnx beside --onnx)",
        };
        var arch = CommonOptions.Arch();
        var classes = CommonOptions.Classes();
        var outputStride = CommonOptions.OutputStride();
        var output = new Option<FileInfo>("--out") { Description = "The model weights to write (.safetensors)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the decoder's random initialisation", DefaultValueFactory = _ => 0 };

        var import = new Command("import", "Import ImageNet ResNet weights as the encoder of a new model (decoder freshly initialised)")
        {
            torchvision, onnx, preprocess, arch, classes, outputStride, output, seed,
        };
        import.Validators.Add(result =>
        {
            if ((result.GetResult(torchvision) is null) == (result.GetResult(onnx) is null))
            {
                result.AddError("give exactly one of --torchvision and --onnx");
            }
            else if (result.GetResult(preprocess) is not null && result.GetResult(onnx) is null)
            {
                result.AddError("--preprocess goes with --onnx");
            }
        });
        import.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new ModelOptions(ResNetArchitectures.Parse(parse.GetValue(arch)!), parse.GetValue(classes), parse.GetValue(outputStride));
            var destination = parse.GetValue(output)!.FullName;
            torch.manual_seed(parse.GetValue(seed));
            using var model = new DeepLabV3Plus(options);
            string source;
            var metadata = new Dictionary<string, string>();
            if (parse.GetValue(onnx) is { } graph)
            {
                // The fold is made for the normalization our data pipeline applies by default (ImageNet mean/std).
                var normalization = new AugmentationOptions();
                source = graph.FullName;
                OnnxEncoderWeights.ImportInto(model.Encoder, source, normalization.Mean, normalization.Std, parse.GetValue(preprocess)?.FullName);
                metadata[ModelWeights.EncoderNormalizationKey] = OnnxEncoderWeights.Normalization(normalization.Mean, normalization.Std);
            }
            else
            {
                source = parse.GetValue(torchvision)!.FullName;
                TorchvisionWeights.ImportInto(model, source);
            }
            metadata["encoder_source"] = Path.GetFileName(source);
            ModelWeights.Save(model, destination, metadata);
            Console.WriteLine($"imported {model.Encoder.state_dict().Count} encoder tensors from {source}");
            Console.WriteLine($"wrote {destination} ({options.Architecture.Name()}, {options.NumClasses} classes, output stride {options.OutputStride})");
            return 0;
        }));
        return new Command("weights", "Import and convert model weights") { import };
    }
}
