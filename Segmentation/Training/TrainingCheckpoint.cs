using System.Globalization;
using System.Text.Json;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Training;

/// <summary>
/// A training checkpoint: <c>NAME.safetensors</c> with the student (<c>student.*</c>), the teacher (<c>teacher.*</c>),
/// the SGD momentum buffers (<c>optimizer.*</c>), every class's memory bank (<c>memory_bank.C</c>, oldest row first)
/// and libtorch's CPU generator state (<c>rng.cpu</c>), and <c>NAME.json</c> (<see cref="CheckpointInfo"/>), written
/// last; then the file <c>latest</c> in the directory names it. Each file is written to a temporary name and renamed,
/// so a crash leaves the previous checkpoint intact.
/// </summary>
public static class TrainingCheckpoint
{
    public const string Format = "u2pl-checkpoint";
    public const string LatestFile = "latest";

    /// <summary>The training state to save or restore.</summary>
    public sealed record Parts(DeepLabV3Plus Student, DeepLabV3Plus Teacher, SGD Optimizer, IReadOnlyList<ClassMemoryBank> Banks);

    public static string Save(string directory, string name, Parts parts, CheckpointInfo info)
    {
        using var scope = torch.NewDisposeScope();
        var sources = new List<TensorSource>();
        sources.AddRange(parts.Student.state_dict().Select(e => TensorFileTensors.ToSource("student." + e.Key, e.Value)));
        sources.AddRange(parts.Teacher.state_dict().Select(e => TensorFileTensors.ToSource("teacher." + e.Key, e.Value)));
        sources.AddRange(parts.Optimizer.named_state().Select(e => TensorFileTensors.ToSource("optimizer." + e.name, e.buffer)));
        for (var c = 0; c < parts.Banks.Count; c++)
        {
            sources.Add(TensorFileTensors.ToSource($"memory_bank.{c}", parts.Banks[c].Snapshot()));
        }
        return Save(directory, name, sources, parts.Student.Options, info);
    }

    /// <summary>
    /// Writes a checkpoint from its named tensors (<c>student.*</c>, <c>teacher.*</c>, <c>optimizer.*</c>,
    /// <c>memory_bank.C</c>; <c>rng.cpu</c> is added): how a cluster run, whose state is spread over grains, saves the
    /// same format as a single-process run.
    /// </summary>
    public static string Save(string directory, string name, List<TensorSource> sources, ModelOptions model, CheckpointInfo info)
    {
        Directory.CreateDirectory(directory);
        var tensorsPath = Path.Combine(directory, name + ".safetensors");
        using var scope = torch.NewDisposeScope();
        sources.Add(TensorFileTensors.ToSource("rng.cpu", torch.get_rng_state()));
        var metadata = ModelWeights.Metadata(model, Format);
        metadata["iteration"] = info.Iteration.ToString(CultureInfo.InvariantCulture);
        metadata["evaluated_model"] = info.EvaluatedModel;
        SafeTensorsWriter.Write(tensorsPath, sources, metadata);
        WriteAtomically(Path.Combine(directory, name + ".json"), JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
        WriteAtomically(Path.Combine(directory, LatestFile), name + "\n");
        return tensorsPath;
    }

    /// <summary>A checkpoint path from a file or a run directory (which resolves through its <c>latest</c> file).</summary>
    public static string Resolve(string path)
    {
        if (Directory.Exists(path))
        {
            var latest = Path.Combine(path, LatestFile);
            if (!File.Exists(latest))
            {
                throw new WeightsException($"{path}: no checkpoint in this directory (no '{LatestFile}' file)");
            }
            return Path.Combine(path, File.ReadAllText(latest).Trim() + ".safetensors");
        }
        if (!File.Exists(path))
        {
            throw new WeightsException($"{path}: no such checkpoint");
        }
        return path;
    }

    public static CheckpointInfo ReadInfo(string checkpointPath)
    {
        var json = Path.ChangeExtension(checkpointPath, ".json");
        try
        {
            return JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(json))
                   ?? throw new WeightsException($"{json}: empty checkpoint info");
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new WeightsException($"{json}: cannot read the checkpoint info: {e.Message}", e);
        }
    }

    /// <summary>Restores every part saved by <see cref="Save"/> (strict: every key and shape must fit).</summary>
    public static CheckpointInfo Restore(string checkpointPath, Parts parts)
    {
        using var reader = SafeTensorsReader.Open(checkpointPath);
        using var scope = torch.NewDisposeScope();
        Load(reader, "student.", parts.Student);
        Load(reader, "teacher.", parts.Teacher);
        foreach (var (name, buffer) in parts.Optimizer.named_state())
        {
            buffer.copy_(reader.ReadTensor("optimizer." + name));
        }
        for (var c = 0; c < parts.Banks.Count; c++)
        {
            parts.Banks[c].Restore(reader.ReadTensor($"memory_bank.{c}"));
        }
        torch.set_rng_state(reader.ReadTensor("rng.cpu"));
        return ReadInfo(checkpointPath);
    }

    /// <summary>The model a checkpoint evaluates with (the teacher after the warm-up), loaded on its own.</summary>
    public static DeepLabV3Plus LoadEvaluatedModel(string checkpointPath)
    {
        using var reader = SafeTensorsReader.Open(checkpointPath);
        if (reader.Metadata.GetValueOrDefault("format") == ModelWeights.Format)
        {
            return ModelWeights.Load(checkpointPath);
        }
        if (reader.Metadata.GetValueOrDefault("format") != Format)
        {
            throw new WeightsException($"{checkpointPath}: neither a training checkpoint nor model weights");
        }
        var model = new DeepLabV3Plus(ModelWeights.OptionsFromMetadata(reader));
        try
        {
            using var scope = torch.NewDisposeScope();
            Load(reader, (reader.Metadata.GetValueOrDefault("evaluated_model") ?? "teacher") + ".", model);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void Load(SafeTensorsReader reader, string prefix, DeepLabV3Plus model)
    {
        var tensors = reader.Entries.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Name[prefix.Length..], e => reader.ReadTensor(e.Name));
        try
        {
            StrictStateDict.Load(model, tensors);
        }
        catch (StateDictException e)
        {
            throw new WeightsException($"{reader.FilePath} ({prefix}*): {e.Message}", e);
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
