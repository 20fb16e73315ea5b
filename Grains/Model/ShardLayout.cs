using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Model;

/// <summary>One tensor of the model as the parameter server splits it.</summary>
/// <param name="Name">The state-dict name, e.g. <c>encoder.layer1.0.conv1.weight</c>.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Offset">Where it starts in its shard's flat array of the same kind.</param>
/// <param name="OptimizerName">For parameters: the SGD momentum's checkpoint name (<c>group.index.momentum_buffer</c>).</param>
public sealed record LayoutEntry(string Name, long[] Shape, long Offset, string OptimizerName)
{
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Encoder parameters learn at the base rate, the decoder's at base × the decoder multiplier.</summary>
    public bool IsDecoder => Name.StartsWith("decoder.", StringComparison.Ordinal);
}

/// <summary>
/// How the model's tensors are split over K parameter-server shards: every parameter and float buffer goes, largest
/// first, to the shard holding the fewest elements so far; num_batches_tracked counters travel as int64 beside them.
/// Both the worker and the shard derive the same layout from the model's options and K, so tensors travel as flat
/// arrays without names.
/// </summary>
public sealed class ShardLayout
{
    private ShardLayout(IReadOnlyList<LayoutEntry> parameters, IReadOnlyList<LayoutEntry> buffers, IReadOnlyList<LayoutEntry> counters)
    {
        Parameters = parameters;
        Buffers = buffers;
        Counters = counters;
    }

    public IReadOnlyList<LayoutEntry> Parameters { get; }

    /// <summary>Float buffers (running_mean, running_var).</summary>
    public IReadOnlyList<LayoutEntry> Buffers { get; }

    /// <summary>int64 buffers (num_batches_tracked).</summary>
    public IReadOnlyList<LayoutEntry> Counters { get; }

    public long ParameterLength => Parameters.Sum(p => p.Length);

    public long BufferLength => Buffers.Sum(b => b.Length);

    public long CounterLength => Counters.Sum(c => c.Length);

    /// <summary>The layouts of all <paramref name="shards"/> shards of <paramref name="model"/>.</summary>
    public static ShardLayout[] Split(DeepLabV3Plus model, int shards)
    {
        var optimizerNames = OptimizerNames(model);
        var parameters = model.named_parameters().Select(p => (p.name, p.parameter.shape, Kind: 0)).ToList();
        var buffers = model.named_buffers().Select(b => (b.name, b.buffer.shape, Kind: b.buffer.dtype == ScalarType.Int64 ? 2 : 1)).ToList();
        var loads = new long[shards];
        var assigned = Enumerable.Range(0, shards).Select(_ => new List<(string Name, long[] Shape, int Kind)>()).ToArray();
        // Largest first onto the lightest shard; ties keep the model's order, so the split is deterministic.
        foreach (var entry in parameters.Concat(buffers).Select((e, i) => (e, i)).OrderByDescending(x => Numel(x.e.shape)).ThenBy(x => x.i))
        {
            var target = Array.IndexOf(loads, loads.Min());
            loads[target] += Numel(entry.e.shape);
            assigned[target].Add(entry.e);
        }
        var order = parameters.Concat(buffers).Select((e, i) => (e.name, i)).ToDictionary(x => x.name, x => x.i);
        return assigned.Select(list =>
        {
            var inOrder = list.OrderBy(e => order[e.Name]).ToList();
            return new ShardLayout(
                Entries(inOrder.Where(e => e.Kind == 0), name => optimizerNames[name]),
                Entries(inOrder.Where(e => e.Kind == 1), _ => ""),
                Entries(inOrder.Where(e => e.Kind == 2), _ => ""));
        }).ToArray();
    }

    private static List<LayoutEntry> Entries(IEnumerable<(string Name, long[] Shape, int Kind)> entries, Func<string, string> optimizerName)
    {
        var offset = 0L;
        var result = new List<LayoutEntry>();
        foreach (var (name, shape, _) in entries)
        {
            result.Add(new LayoutEntry(name, shape, offset, optimizerName(name)));
            offset += Numel(shape);
        }
        return result;
    }

    /// <summary>SGD's momentum names as the single-process trainer builds them: group 0 the encoder, group 1 the decoder.</summary>
    private static Dictionary<string, string> OptimizerNames(DeepLabV3Plus model)
    {
        var names = new Dictionary<string, string>();
        int encoder = 0, decoder = 0;
        foreach (var (name, _) in model.named_parameters())
        {
            names[name] = name.StartsWith("decoder.", StringComparison.Ordinal) ? $"1.{decoder++}.momentum_buffer" : $"0.{encoder++}.momentum_buffer";
        }
        return names;
    }

    private static long Numel(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
