using U2PL.Contracts;
using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Evaluation;

/// <summary>
/// A model built from an evaluation request's tensors (state-dict names and shapes, as the checkpoint writes them),
/// strictly: every parameter and buffer of the architecture must be there with its shape, and nothing else.
/// </summary>
internal static class EvaluatedModel
{
    public static DeepLabV3Plus Build(ModelOptions options, IReadOnlyList<NamedTensor> tensors)
    {
        var model = new DeepLabV3Plus(options);
        try
        {
            Load(model, tensors);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void Load(DeepLabV3Plus model, IReadOnlyList<NamedTensor> tensors)
    {
        var given = tensors.ToDictionary(t => t.Name);
        var targets = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers()).ToList();
        var problems = targets.Where(t => !given.ContainsKey(t.Item1)).Select(t => $"missing {t.Item1}")
            .Concat(given.Keys.Except(targets.Select(t => t.Item1)).Select(name => $"unexpected {name}"))
            .Concat(targets.Where(t => given.TryGetValue(t.Item1, out var g) && !g.Shape.SequenceEqual(t.Item2.shape))
                .Select(t => $"{t.Item1}: shape [{string.Join(", ", given[t.Item1].Shape)}], the model has [{string.Join(", ", t.Item2.shape)}]"))
            .ToList();
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"the evaluated model's tensors do not fit {model.GetName()}: {string.Join("; ", problems.Take(10))}" +
                                           (problems.Count > 10 ? $" (and {problems.Count - 10} more)" : ""));
        }
        using var noGrad = torch.no_grad();
        foreach (var (name, target) in targets)
        {
            var source = given[name];
            using var value = source.Int64 is { } longs ? torch.tensor(longs).reshape(source.Shape) : torch.tensor(source.Single?.ToArray() ?? []).reshape(source.Shape);
            target.copy_(value);
        }
    }
}
