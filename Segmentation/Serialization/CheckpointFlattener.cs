using TorchSharp;
using static TorchSharp.torch;
using System.Globalization;
using System.Numerics;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// Flattens an unpickled checkpoint into dotted names, the way <c>state_dict()</c> names nested modules:
/// <c>{"state_dict": {"conv.weight": t}, "epoch": 3}</c> gives tensor <c>state_dict.conv.weight</c> and value
/// <c>epoch</c>; list and tuple items are named by index (<c>params.0</c>).
/// </summary>
internal static class CheckpointFlattener
{
    public sealed record Result(List<(string Name, TorchTensorView View)> Tensors, Dictionary<string, object?> Values);

    public static Result Flatten(string filePath, object? root)
    {
        var result = new Result([], new Dictionary<string, object?>(StringComparer.Ordinal));
        var names = new HashSet<string>(StringComparer.Ordinal);
        Visit(filePath, "", root, result, names);
        return result;
    }

    private static void Visit(string filePath, string name, object? value, Result result, HashSet<string> names)
    {
        switch (value)
        {
            case PickleDict dict:
                // A dict's BUILD attributes (state_dict()'s _metadata: per-module version numbers) are not weights.
                foreach (var (key, item) in dict.Items)
                    Visit(filePath, Join(name, KeyText(key)), item, result, names);
                return;
            case List<object?> list:
                for (var i = 0; i < list.Count; i++)
                    Visit(filePath, Join(name, i.ToString(CultureInfo.InvariantCulture)), list[i], result, names);
                return;
            case object?[] tuple:
                for (var i = 0; i < tuple.Length; i++)
                    Visit(filePath, Join(name, i.ToString(CultureInfo.InvariantCulture)), tuple[i], result, names);
                return;
        }

        if (!names.Add(name))
            throw new TensorFileException(filePath, $"two objects flatten to the name '{name}'");
        switch (value)
        {
            case TorchTensorView view:
                result.Tensors.Add((name, view));
                break;
            case null or bool or long or double or string or BigInteger or byte[]:
                result.Values[name] = value;
                break;
            default:
                throw new TensorFileException(filePath, $"'{name}' holds a {DescribeType(value)}, which is not a tensor or a plain value");
        }
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    private static string KeyText(object key) => key switch
    {
        string s => s,
        bool b => b ? "True" : "False",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => key.ToString()!,
    };

    private static string DescribeType(object value) => value switch
    {
        TorchStorage => "bare storage",
        PickleGlobal g => $"reference to {g.QualifiedName}",
        _ => value.GetType().Name,
    };
}
