using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Training;
using YamlDotNet.RepresentationModel;

namespace U2PL.Client.Runs;

/// <summary>
/// Turns <c>--config FILE --set key=value ...</c> into the YAML text a run is started with (the overrides applied, so
/// that the cluster sees exactly what was validated here), and validates it locally first: every problem at once,
/// before anything reaches the cluster.
/// </summary>
public static class RunConfigResolver
{
    public sealed record Resolved(string Text, TrainingOptions Options);

    /// <summary>
    /// The resolved YAML and the options read from it, its dataset checked by <paramref name="datasetTypes"/> (the
    /// silos' types: the file types and the synthetic scenes); throws <see cref="ConfigException"/> listing every problem.
    /// </summary>
    public static Resolved Resolve(string path, IReadOnlyList<string> overrides, DatasetTypes datasetTypes)
    {
        string source;
        try
        {
            source = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, [$"cannot read the config: {e.Message}"]);
        }
        var text = Apply(source, path, overrides);
        var options = Validate(text, path);
        if (DatasetProblems(options.Data, datasetTypes) is { Count: > 0 } problems)
        {
            throw new ConfigException(path, problems);
        }
        return new Resolved(text, options);
    }

    private static IReadOnlyList<string> DatasetProblems(DataOptions data, DatasetTypes datasetTypes)
    {
        try
        {
            return datasetTypes.Get(data.Type).Validate(data);
        }
        catch (ArgumentException e)
        {
            return [$"dataset.type: {e.Message}"];
        }
    }

    /// <summary>Reads a resolved config as the run grain will (the <c>cluster.*</c> keys included).</summary>
    public static TrainingOptions Validate(string text, string source) => TrainingConfigReader.Read(ConfigTree.Parse(text, source), text);

    /// <summary>The YAML text with each <c>key.path=value</c> set, as <see cref="ConfigTree.Set"/> applies it.</summary>
    public static string Apply(string yaml, string source, IReadOnlyList<string> overrides)
    {
        if (overrides.Count == 0)
        {
            ConfigTree.Parse(yaml, source); // the same YAML errors as with overrides
            return yaml;
        }
        var root = Root(yaml, source);
        var problems = new List<string>();
        foreach (var assignment in overrides)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
            {
                problems.Add($"--set expects key.path=value, got '{assignment}'");
                continue;
            }
            var path = assignment[..equals].Trim().Split('.');
            var value = new YamlStream();
            try
            {
                value.Load(new StringReader(assignment[(equals + 1)..]));
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                problems.Add($"--set {assignment}: not a YAML value: {e.InnerException?.Message ?? e.Message}");
                continue;
            }
            var node = root;
            foreach (var key in path[..^1])
            {
                if (!node.Children.TryGetValue(new YamlScalarNode(key), out var child) || child is not YamlMappingNode mapping)
                {
                    mapping = new YamlMappingNode();
                    node.Children[new YamlScalarNode(key)] = mapping;
                }
                node = mapping;
            }
            node.Children[new YamlScalarNode(path[^1])] = value.Documents.Count == 0 ? new YamlScalarNode("") : value.Documents[0].RootNode;
        }
        if (problems.Count > 0)
        {
            throw new ConfigException(source, problems);
        }
        return Write(root);
    }

    private static YamlMappingNode Root(string yaml, string source)
    {
        ConfigTree.Parse(yaml, source); // YAML errors reported as the trainer reports them
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? new YamlMappingNode() : (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Write(YamlMappingNode root)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
