using U2PL.Contracts;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;
using U2PL.Segmentation.Serialization;

namespace U2PL.Grains.Run;

/// <summary>
/// A checkpoint of a cluster run in the single-process format (<see cref="TrainingCheckpoint"/>): the shards' student,
/// teacher and momentum tensors and every class's bank, so that <c>u2pl eval</c>, <c>u2pl predict</c> and
/// <c>u2pl train --resume</c> read it as their own, and reactivated state grains restore from it.
/// </summary>
internal static class ClusterCheckpoint
{
    public static string Write(string directory, string name, IReadOnlyList<ShardState> shards, IReadOnlyList<FeatureBlock> banks,
        ModelOptions model, CheckpointInfo info)
    {
        using var scope = torch.NewDisposeScope();
        var sources = new List<TensorSource>();
        foreach (var tensor in shards.SelectMany(s => s.Tensors).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var value = tensor.Int64 is { } longs ? longs.ToTensor(tensor.Shape) : (tensor.Single?.ToArray() ?? []).ToTensor(tensor.Shape);
            sources.Add(TensorFileTensors.ToSource(tensor.Name, value));
        }
        for (var c = 0; c < banks.Count; c++)
        {
            var rows = Model.FlatTensors.Unpack(banks[c].Data);
            sources.Add(TensorFileTensors.ToSource($"memory_bank.{c}", rows.ToTensor(banks[c].Rows, banks[c].Dim)));
        }
        return TrainingCheckpoint.Save(directory, name, sources, model, info);
    }
}
