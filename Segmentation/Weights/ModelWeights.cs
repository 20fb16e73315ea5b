using System.Globalization;
using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Weights;

/// <summary>
/// Our model's weights as safetensors: every parameter and buffer under its state-dict name, and a metadata header
/// that says which model they belong to (format, arch, classes, output_stride), so a file can be loaded on its own.
/// </summary>
public static class ModelWeights
{
    public const string Format = "u2pl-deeplabv3plus";

    /// <summary>Metadata of an encoder whose conv1/bn1 were folded for one input normalization (an ONNX import).</summary>
    public const string EncoderNormalizationKey = "encoder_normalization";

    /// <summary>Writes the model's state dict atomically (a failed write leaves no file).</summary>
    public static void Save(DeepLabV3Plus model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = Metadata(model.Options, Format);
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            metadata[key] = value;
        }
        var sources = model.state_dict().Select(entry => TensorFileTensors.ToSource(entry.Key, entry.Value)).ToList();
        SafeTensorsWriter.Write(path, sources, metadata);
    }

    /// <summary>The metadata that says which model a file's tensors belong to: format, arch, classes, output_stride.</summary>
    public static Dictionary<string, string> Metadata(ModelOptions options, string format) => new()
    {
        ["format"] = format,
        ["arch"] = options.Architecture.Name(),
        ["classes"] = options.NumClasses.ToString(CultureInfo.InvariantCulture),
        ["output_stride"] = options.OutputStride.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the model options from a weights file's metadata.</summary>
    public static ModelOptions ReadOptions(string path)
    {
        using var reader = Open(path);
        return OptionsOf(reader);
    }

    /// <summary>Creates the model the file describes and loads its weights.</summary>
    public static DeepLabV3Plus Load(string path)
    {
        using var reader = Open(path);
        var model = new DeepLabV3Plus(OptionsOf(reader));
        try
        {
            LoadInto(model, reader);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Loads a weights file into an existing model (strict: every key, every shape).</summary>
    public static void LoadInto(DeepLabV3Plus model, string path)
    {
        using var reader = Open(path);
        LoadInto(model, reader);
    }

    private static void LoadInto(nn.Module model, SafeTensorsReader reader)
    {
        using var scope = torch.NewDisposeScope();
        var tensors = reader.Entries.ToDictionary(entry => entry.Name, entry => reader.ReadTensor(entry.Name));
        try
        {
            StrictStateDict.Load(model, tensors);
        }
        catch (StateDictException e)
        {
            throw new WeightsException($"{reader.FilePath}: {e.Message}", e);
        }
    }

    private static SafeTensorsReader Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new WeightsException($"{path}: no such file");
        }
        try
        {
            return SafeTensorsReader.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException(e.Message, e);
        }
    }

    private static ModelOptions OptionsOf(SafeTensorsReader reader)
    {
        var format = reader.Metadata.GetValueOrDefault("format");
        if (format != Format)
        {
            throw new WeightsException($"{reader.FilePath}: not a {Format} weights file (metadata 'format' is '{format ?? "missing"}')");
        }
        return OptionsFromMetadata(reader);
    }

    /// <summary>The model options recorded by <see cref="Metadata"/>; a clear error when they are missing or malformed.</summary>
    public static ModelOptions OptionsFromMetadata(SafeTensorsReader reader)
    {
        var metadata = reader.Metadata;
        try
        {
            return new ModelOptions(
                ResNetArchitectures.Parse(metadata.GetValueOrDefault("arch") ?? ""),
                int.Parse(metadata.GetValueOrDefault("classes") ?? "", CultureInfo.InvariantCulture),
                int.Parse(metadata.GetValueOrDefault("output_stride") ?? "", CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new WeightsException($"{reader.FilePath}: bad model metadata: {e.Message}", e);
        }
    }
}
