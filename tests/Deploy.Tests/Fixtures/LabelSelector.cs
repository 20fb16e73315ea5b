using YamlDotNet.RepresentationModel;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// A Kubernetes label selector (<c>matchLabels</c> and <c>matchExpressions</c>) evaluated against a pod's labels, as
/// the API server does for NetworkPolicy selectors; an empty selector matches every pod. Hand-written: no Kubernetes
/// client library is referenced by these tests, and this is the one piece of its semantics they need.
/// </summary>
internal static class LabelSelector
{
    public static bool Matches(YamlMappingNode selector, IReadOnlyDictionary<string, string> labels) =>
        selector.StringMap("matchLabels").All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value) &&
        selector.Maps("matchExpressions").All(e => Matches(e.Str("key") ?? "", e.Str("operator"), [.. e.Strings("values")], labels));

    /// <summary>Whether every pod this selector matches carries all of <paramref name="required"/> (it is at least that narrow).</summary>
    public static bool Requires(YamlMappingNode selector, IReadOnlyDictionary<string, string> required)
    {
        var labels = selector.StringMap("matchLabels");
        return required.Count > 0 && required.All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value);
    }

    private static bool Matches(string key, string? op, List<string> values, IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(key, out var value);
        return op switch
        {
            "In" => has && values.Contains(value!),
            "NotIn" => !has || !values.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            _ => throw new InvalidOperationException($"label selector operator '{op}' is not one Kubernetes knows"),
        };
    }
}
