using YamlDotNet.RepresentationModel;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>Navigation over YamlDotNet's node model: a missing key or a wrong node type reads as null / empty.</summary>
internal static class Yaml
{
    public static List<YamlMappingNode> LoadDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node)) return null;
        }
        return node;
    }

    public static YamlMappingNode? Map(this YamlNode? node, params string[] path) => node.At(path) as YamlMappingNode;

    public static string? Str(this YamlNode? node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    public static int? Int(this YamlNode? node, params string[] path) =>
        int.TryParse(node.Str(path), out var value) ? value : null;

    public static IEnumerable<YamlMappingNode> Maps(this YamlNode? node, params string[] path) =>
        (node.At(path) as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [];

    public static IEnumerable<string> Strings(this YamlNode? node, params string[] path) =>
        (node.At(path) as YamlSequenceNode)?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "") ?? [];

    public static Dictionary<string, string> StringMap(this YamlNode? node, params string[] path) =>
        node.Map(path)?.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => (kv.Value as YamlScalarNode)?.Value ?? "")
        ?? [];
}
