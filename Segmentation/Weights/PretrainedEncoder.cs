using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Weights;

/// <summary>
/// What a config's <c>net.pretrained</c> may name: an ONNX graph (<c>.onnx</c>, <see cref="OnnxEncoderWeights"/>), one
/// of our weights files (its <c>encoder.*</c> tensors, e.g. what <c>u2pl weights import</c> wrote), or a torchvision
/// state dict (<see cref="TorchvisionWeights"/>). The decoder is left as initialised.
/// </summary>
public static class PretrainedEncoder
{
    /// <summary>Loads the encoder weights at <paramref name="path"/> for inputs normalized by <paramref name="mean"/>/<paramref name="std"/>.</summary>
    public static void ImportInto(DeepLabV3Plus model, string path, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            OnnxEncoderWeights.ImportInto(model.Encoder, path, mean, std);
            return;
        }
        if (File.Exists(path) && IsOurWeightsFile(path, out var normalization))
        {
            var wanted = OnnxEncoderWeights.Normalization(mean, std);
            if (normalization is not null && normalization != wanted)
            {
                throw new WeightsException($"{path}: its encoder was folded for inputs normalized with {normalization}, this run normalizes with {wanted}");
            }
            LoadEncoderOf(model, path);
            return;
        }
        TorchvisionWeights.ImportInto(model, path);
    }

    private static bool IsOurWeightsFile(string path, out string? normalization)
    {
        if (TorchSaveFile.IsTorchSave(path))
        {
            normalization = null;
            return false;
        }
        using var reader = SafeTensorsReader.Open(path);
        var metadata = reader.Metadata;
        normalization = metadata?.GetValueOrDefault(ModelWeights.EncoderNormalizationKey);
        return metadata?.GetValueOrDefault("format") == ModelWeights.Format;
    }

    private static void LoadEncoderOf(DeepLabV3Plus model, string path)
    {
        using var scope = torch.NewDisposeScope();
        using var reader = SafeTensorsReader.Open(path);
        const string prefix = "encoder.";
        var tensors = reader.Entries.Where(entry => entry.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(entry => entry.Name[prefix.Length..], entry => reader.ReadTensor(entry.Name));
        try
        {
            StrictStateDict.Load(model.Encoder, tensors);
        }
        catch (StateDictException e)
        {
            throw new WeightsException($"{path}: its encoder does not fit {model.Options.Architecture.Name()}: {e.Message}", e);
        }
    }
}
