using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Weights;

/// <summary>
/// Imports a torchvision ResNet state dict (a <c>torch.save</c> file, or safetensors with torchvision's key names)
/// into the model's encoder. The classifier (<c>fc.*</c>) is dropped; a <c>state_dict.</c> or <c>module.</c> prefix
/// is stripped. Every encoder key must be present with the right shape, or nothing is loaded.
/// </summary>
public static class TorchvisionWeights
{
    private static readonly string[] s_wrapperPrefixes = ["state_dict.", "model.", "module."];

    /// <summary>Loads the backbone weights from <paramref name="path"/> into <paramref name="model"/>'s encoder.</summary>
    public static void ImportInto(DeepLabV3Plus model, string path)
    {
        if (!File.Exists(path))
        {
            throw new WeightsException($"{path}: no such file");
        }
        ITensorFileReader reader;
        try
        {
            reader = TensorFile.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException(e.Message, e);
        }

        using (reader)
        using (var scope = torch.NewDisposeScope())
        {
            var tensors = new Dictionary<string, Tensor>();
            foreach (var entry in reader.Entries)
            {
                var name = StripWrapper(entry.Name);
                if (name.StartsWith("fc.", StringComparison.Ordinal))
                {
                    continue;
                }
                tensors[name] = reader.ReadTensor(entry.Name);
            }
            try
            {
                StrictStateDict.Load(model.Encoder, tensors);
            }
            catch (StateDictException e)
            {
                throw new WeightsException($"{path}: not a torchvision {model.Options.Architecture.Name()} state dict: {e.Message}", e);
            }
        }
    }

    private static string StripWrapper(string name)
    {
        foreach (var prefix in s_wrapperPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return name[prefix.Length..];
            }
        }
        return name;
    }
}
