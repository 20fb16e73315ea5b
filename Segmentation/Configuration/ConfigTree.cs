using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace U2PL.Segmentation.Configuration;

/// <summary>
/// A YAML config as a tree of mappings, lists and scalars, with <c>--set a.b.c=value</c> overrides applied before it
/// is read. Reading records problems (unknown keys, wrong types) instead of stopping at the first, so that a user sees
/// every mistake at once; keys that were never read are reported as unknown.
/// </summary>
public sealed class ConfigTree
{
    private readonly YamlMappingNode _root;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    private ConfigTree(YamlMappingNode root, string source)
    {
        _root = root;
        Source = source;
    }

    /// <summary>Where the config came from (a path), for messages.</summary>
    public string Source { get; }

    public IReadOnlyList<string> Problems => _problems;

    public static ConfigTree Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException(source, [$"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}"]);
        }
        if (stream.Documents.Count == 0)
        {
            return new ConfigTree(new YamlMappingNode(), source);
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConfigException(source, ["the top level must be a mapping of sections (dataset, trainer, net, ...)"]);
        }
        return new ConfigTree(root, source);
    }

    public static ConfigTree Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, [$"cannot read the config: {e.Message}"]);
        }
        return Parse(text, path);
    }

    /// <summary>Applies <c>key.path=value</c> (the value is parsed as YAML: numbers, booleans, [lists]).</summary>
    public void Set(string assignment)
    {
        var equals = assignment.IndexOf('=');
        if (equals <= 0)
        {
            throw new ConfigException(Source, [$"--set expects key.path=value, got '{assignment}'"]);
        }
        var path = assignment[..equals].Trim().Split('.');
        var valueStream = new YamlStream();
        valueStream.Load(new StringReader(assignment[(equals + 1)..]));
        YamlNode value = valueStream.Documents.Count == 0 ? new YamlScalarNode("") : valueStream.Documents[0].RootNode;
        var node = _root;
        foreach (var key in path[..^1])
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var child) || child is not YamlMappingNode mapping)
            {
                mapping = new YamlMappingNode();
                node.Children[new YamlScalarNode(key)] = mapping;
            }
            node = mapping;
        }
        node.Children[new YamlScalarNode(path[^1])] = value;
    }

    public bool Has(string path) => Find(path) is not null;

    public string? String(string path, string? fallback = null) => Scalar(path, fallback, "a string", value => (true, value));

    public int Int(string path, int fallback) =>
        Scalar(path, fallback, "an integer", value => (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v));

    public long Long(string path, long fallback) =>
        Scalar(path, fallback, "an integer", value => (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v));

    public double Double(string path, double fallback) =>
        Scalar(path, fallback, "a number", value => (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v), v));

    public bool Bool(string path, bool fallback) =>
        Scalar(path, fallback, "true or false", value => (bool.TryParse(value, out var v), v));

    /// <summary>A list of numbers, e.g. <c>[0.5, 2.0]</c>.</summary>
    public double[]? Doubles(string path, double[]? fallback)
    {
        var node = Find(path);
        _read.Add(path);
        if (node is null)
        {
            return fallback;
        }
        if (node is YamlSequenceNode list && list.Children.All(c => c is YamlScalarNode s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            return list.Children.Select(c => double.Parse(((YamlScalarNode)c).Value!, CultureInfo.InvariantCulture)).ToArray();
        }
        _problems.Add($"{path}: expected a list of numbers");
        return fallback;
    }

    /// <summary>A value from a fixed set (case-insensitive).</summary>
    public T Enum<T>(string path, T fallback, params (string Name, T Value)[] choices)
    {
        var text = String(path);
        if (text is null)
        {
            return fallback;
        }
        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        _problems.Add($"{path}: expected one of {string.Join(", ", choices.Select(c => c.Name))}, got '{text}'");
        return fallback;
    }

    /// <summary>Adds a problem found while reading (a range check, say).</summary>
    public void Problem(string message) => _problems.Add(message);

    /// <summary>Every key present in the file (or set) that nothing read: a misspelling, usually.</summary>
    public IEnumerable<string> UnknownKeys() => Leaves(_root, "").Where(path => !_read.Contains(path) && !_read.Any(read => path.StartsWith(read + ".", StringComparison.Ordinal)));

    /// <summary>Throws with every problem (unknown keys included) if there is any.</summary>
    public void ThrowIfInvalid()
    {
        var problems = _problems.Concat(UnknownKeys().Select(key => $"{key}: unknown key")).ToList();
        if (problems.Count > 0)
        {
            throw new ConfigException(Source, problems);
        }
    }

    private T Scalar<T>(string path, T fallback, string expected, Func<string, (bool Ok, T Value)> parse)
    {
        var node = Find(path);
        _read.Add(path);
        if (node is null)
        {
            return fallback;
        }
        if (node is YamlScalarNode { Value: { } text })
        {
            var (ok, value) = parse(text);
            if (ok)
            {
                return value;
            }
            _problems.Add($"{path}: expected {expected}, got '{text}'");
            return fallback;
        }
        _problems.Add($"{path}: expected {expected}, got a {(node is YamlSequenceNode ? "list" : "mapping")}");
        return fallback;
    }

    private YamlNode? Find(string path)
    {
        YamlNode node = _root;
        foreach (var key in path.Split('.'))
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }
            node = child;
        }
        return node;
    }

    private static IEnumerable<string> Leaves(YamlNode node, string prefix)
    {
        if (node is YamlMappingNode mapping)
        {
            foreach (var (key, child) in mapping.Children)
            {
                var name = prefix.Length == 0 ? ((YamlScalarNode)key).Value! : $"{prefix}.{((YamlScalarNode)key).Value}";
                foreach (var leaf in Leaves(child, name))
                {
                    yield return leaf;
                }
            }
        }
        else
        {
            yield return prefix;
        }
    }
}
