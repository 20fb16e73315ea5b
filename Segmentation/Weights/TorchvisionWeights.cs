using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Weights;

/// <summary>
/// Imports a torchvision ResNet state dict (a <c>torch.save</c> file, or safetensors with torchvision's key names)
/// into the model's encoder. The classifier (<c>fc.*</c>) is dropped; <c>state_dict.</c>, <c>model.</c> and
/// <c>module.</c> prefixes are stripped. Every encoder key must be present with the right shape, or nothing is loaded.
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
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, tensor) in ReadTensors(path))
            {
                var key = StripWrapper(name);
                if (!key.StartsWith("fc.", StringComparison.Ordinal))
                {
                    tensors[key] = tensor;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException(e.Message, e);
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

    // Read inside the caller's dispose scope, which frees them.
    private static IEnumerable<(string Name, Tensor Tensor)> ReadTensors(string path)
    {
        if (TorchSaveFile.IsTorchSave(path))
        {
            return TorchSaveFile.Read(path).Tensors.Select(entry => (entry.Key, entry.Value));
        }
        using var reader = SafeTensorsReader.Open(path);
        return reader.Entries.Select(entry => (entry.Name, reader.ReadTensor(entry.Name))).ToList();
    }

    // Training checkpoints nest the state dict ({"state_dict": ...}) and DataParallel prefixes "module.": both at once too.
    private static string StripWrapper(string name)
    {
        var stripped = true;
        while (stripped)
        {
            stripped = false;
            foreach (var prefix in s_wrapperPrefixes)
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    name = name[prefix.Length..];
                    stripped = true;
                }
            }
        }
        return name;
    }
}
