using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// A strict <c>load_state_dict</c>. TorchSharp's checks keys but not shapes, and copies what fits before it reports a
/// problem; loading user weights needs every problem listed at once and nothing copied when there is one.
/// </summary>
public static class StrictStateDict
{
    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="module"/>'s parameters and buffers. A missing key, an
    /// unexpected key or a shape mismatch fails with every problem listed and nothing copied. With
    /// <paramref name="strict"/> false, missing and unexpected keys are allowed (shapes are still checked).
    /// </summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, bool strict = true)
    {
        var state = module.state_dict();
        var problems = new List<string>();
        foreach (var (name, tensor) in state)
        {
            if (!source.TryGetValue(name, out var value))
            {
                if (strict)
                {
                    problems.Add($"missing key '{name}'");
                }
                continue;
            }
            if (!tensor.shape.SequenceEqual(value.shape))
            {
                problems.Add($"shape mismatch for '{name}': the model has [{string.Join(", ", tensor.shape)}], the weights have [{string.Join(", ", value.shape)}]");
            }
        }
        if (strict)
        {
            problems.AddRange(source.Keys.Where(key => !state.ContainsKey(key)).Select(key => $"unexpected key '{key}'"));
        }
        if (problems.Count > 0)
        {
            throw new StateDictException(problems);
        }

        using var _ = torch.no_grad();
        foreach (var (name, tensor) in state)
        {
            if (source.TryGetValue(name, out var value))
            {
                tensor.copy_(value);
            }
        }
    }
}
