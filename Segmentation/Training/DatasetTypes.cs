namespace U2PL.Segmentation.Training;

/// <summary>
/// The dataset types a host opens by name (<c>dataset.type</c>): <see cref="Files"/> has the file types, and
/// <see cref="With"/> returns a catalogue with more (the hosts add the synthetic scenes of U2PL.Synthetic). Immutable.
/// </summary>
public sealed class DatasetTypes
{
    private readonly IReadOnlyDictionary<string, IDatasetType> _byName;

    private DatasetTypes(IReadOnlyDictionary<string, IDatasetType> byName) => _byName = byName;

    /// <summary>The built-in file types: camvid, cityscapes, pascal, folder.</summary>
    public static DatasetTypes Files { get; } = new DatasetTypes(new Dictionary<string, IDatasetType>(StringComparer.Ordinal))
        .With(FileDatasetType.CamVid, FileDatasetType.Cityscapes, FileDatasetType.Pascal, FileDatasetType.Folder);

    /// <summary>The names known, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _byName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>This catalogue and <paramref name="types"/>; a name registered twice throws.</summary>
    public DatasetTypes With(params IEnumerable<IDatasetType> types)
    {
        var byName = new Dictionary<string, IDatasetType>(_byName, StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (!byName.TryAdd(type.Name, type))
            {
                throw new ArgumentException($"dataset type '{type.Name}' is registered twice");
            }
        }
        return new DatasetTypes(byName);
    }

    /// <summary>The type named <paramref name="name"/>; an unknown name throws <see cref="ArgumentException"/> listing the known ones.</summary>
    public IDatasetType Get(string name) => _byName.TryGetValue(name, out var type)
        ? type
        : throw new ArgumentException($"unknown dataset type '{name}' (known: {string.Join(", ", Names)})");

    /// <summary>The type of <paramref name="options"/>, its settings checked: throws <see cref="ArgumentException"/> listing every problem.</summary>
    public IDatasetType Resolve(DataOptions options)
    {
        var type = Get(options.Type);
        if (type.Validate(options) is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        return type;
    }
}
