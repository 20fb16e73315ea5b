namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>The keys of a run config that the deployment has to provide for (store, dataset paths).</summary>
internal static class RunConfig
{
    public static string? CheckpointStore(string? yaml) => yaml is null ? null : Root(yaml).Str("checkpoint", "store");

    /// <summary>The dataset's file-system paths (data_root, split files), as written.</summary>
    public static IEnumerable<(string Key, string Path)> DatasetPaths(string yaml)
    {
        var root = Root(yaml);
        foreach (var key in new[] { "data_root", "labeled", "unlabeled" })
        {
            // labeled may also be a fraction (1/8) or a count; only paths are files on the silos.
            if (root.Str("dataset", key) is { } value && (key == "data_root" || value.StartsWith('/') || value.EndsWith(".txt", StringComparison.Ordinal)))
                yield return ($"dataset.{key}", value);
        }
    }

    private static YamlDotNet.RepresentationModel.YamlMappingNode Root(string yaml) => Yaml.LoadDocuments(yaml).Single();
}
