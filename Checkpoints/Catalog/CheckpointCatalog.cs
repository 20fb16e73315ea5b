using System.Text;
using System.Text.Json;

namespace U2PL.Checkpoints.Catalog;

/// <summary>The version of <c>latest</c> read or written: the checkpoint it names and its ETag.</summary>
public sealed record LatestCheckpoint(string Name, string ETag);

/// <summary>One file of a checkpoint being published: stored as <c>NAME + Extension</c>, read from <see cref="Open"/>.</summary>
public sealed record CheckpointFile(string Extension, Func<Stream> Open);

/// <summary>A published checkpoint: its objects; complete once its <c>NAME.json</c> exists (uploaded last).</summary>
public sealed record CheckpointEntry(string Name, IReadOnlyList<StoredObject> Objects)
{
    public bool IsComplete => Objects.Any(o => o.Name == Name + CheckpointCatalog.InfoExtension);
}

/// <summary>
/// Checkpoints over a store, laid out as the trainer lays out a run directory: a checkpoint NAME is the objects
/// <c>NAME.safetensors</c>, <c>NAME.json</c> (uploaded last, so its presence means the set is complete), and the object
/// <c>latest</c> holds the name of the newest. <c>latest</c> is written last with the ETag its writer last saw, so a
/// stale writer (an old process or activation that lost its place) is refused instead of replacing a newer
/// checkpoint; a write killed midway leaves <c>latest</c> naming the previous, intact checkpoint. Checkpoint names
/// must sort in the order they are published (the trainer uses a UTC time stamp).
/// </summary>
public sealed class CheckpointCatalog(ICheckpointStore store)
{
    public const string LatestName = "latest";
    public const string InfoExtension = ".json";
    private const int MaxInfoBytes = 16 << 20;

    public ICheckpointStore Store => store;

    /// <summary>What <c>latest</c> names now, or null when nothing was published yet.</summary>
    public async Task<LatestCheckpoint?> ReadLatestAsync(CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        StoredObject version;
        try
        {
            version = await store.DownloadAsync(LatestName, buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointNotFoundException)
        {
            return null;
        }
        var name = Encoding.UTF8.GetString(buffer.ToArray()).Trim();
        if (!IsCheckpointName(name))
        {
            throw new CheckpointCorruptException($"{store.Location}: '{LatestName}' does not name a checkpoint: '{name}'");
        }
        return new LatestCheckpoint(name, version.ETag);
    }

    /// <summary>
    /// Uploads the files in order (the <c>.json</c> last), then points <c>latest</c> at <paramref name="name"/> if
    /// <paramref name="latestCondition"/> holds (<see cref="WriteCondition.Matching"/> the ETag this writer last saw).
    /// </summary>
    /// <exception cref="CheckpointConflictException">Someone else moved <c>latest</c> since; it is left as they wrote it.</exception>
    public async Task<LatestCheckpoint> PublishAsync(string name, IReadOnlyList<CheckpointFile> files, WriteCondition latestCondition,
        CancellationToken cancellationToken = default)
    {
        if (!IsCheckpointName(name))
        {
            throw new ArgumentException($"{store.Location}: invalid checkpoint name '{name}' (letters, digits, '_' and '-'; not '{LatestName}')");
        }
        foreach (var file in files)
        {
            if (!file.Extension.StartsWith('.') || !ObjectNames.IsValid(name + file.Extension))
            {
                throw new ArgumentException($"{store.Location}: invalid checkpoint file extension '{file.Extension}'");
            }
            await using var content = file.Open();
            await store.UploadAsync(name + file.Extension, content, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        }
        using var pointer = new MemoryStream(Encoding.UTF8.GetBytes(name + "\n"));
        var version = await store.UploadAsync(LatestName, pointer, latestCondition, cancellationToken).ConfigureAwait(false);
        return new LatestCheckpoint(name, version.ETag);
    }

    /// <summary>Every checkpoint in the store, complete or not, by name.</summary>
    public async Task<IReadOnlyList<CheckpointEntry>> ListAsync(CancellationToken cancellationToken = default)
    {
        var objects = new List<StoredObject>();
        await foreach (var stored in store.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (!stored.Name.Contains('/', StringComparison.Ordinal) && stored.Name.IndexOf('.', StringComparison.Ordinal) > 0)
            {
                objects.Add(stored);
            }
        }
        return objects.GroupBy(o => o.Name[..o.Name.IndexOf('.', StringComparison.Ordinal)])
            .Select(g => new CheckpointEntry(g.Key, g.ToList()))
            .OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Downloads the checkpoint <c>latest</c> names into <paramref name="directory"/> (each file verified, then
    /// renamed into place) and writes a <c>latest</c> file there, so that the directory is a local checkpoint.
    /// </summary>
    public async Task<LatestCheckpoint> DownloadLatestAsync(string directory, CancellationToken cancellationToken = default)
    {
        var latest = await ReadLatestAsync(cancellationToken).ConfigureAwait(false)
                     ?? throw new CheckpointNotFoundException($"{store.Location}: no checkpoint ('{LatestName}' does not exist)");
        var objects = new List<StoredObject>();
        await foreach (var stored in store.ListAsync(latest.Name + ".", cancellationToken).ConfigureAwait(false))
        {
            objects.Add(stored);
        }
        if (!objects.Any(o => o.Name == latest.Name + InfoExtension))
        {
            throw new CheckpointNotFoundException($"{store.Location}: '{LatestName}' names '{latest.Name}', but its {latest.Name}{InfoExtension} is missing");
        }
        Directory.CreateDirectory(directory);
        foreach (var stored in objects)
        {
            await store.DownloadFileAsync(stored.Name, Path.Combine(directory, stored.Name), cancellationToken).ConfigureAwait(false);
        }
        var pointer = Path.Combine(directory, LatestName);
        await File.WriteAllTextAsync(pointer + ".tmp", latest.Name + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(pointer + ".tmp", pointer, overwrite: true);
        return latest;
    }

    /// <summary>
    /// Deletes the checkpoints <paramref name="policy"/> does not keep, among those at or before the one
    /// <c>latest</c> names (incomplete ones from killed uploads included; anything newer than <c>latest</c> may be
    /// another writer's upload in progress and is left alone). Returns the names deleted.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplyRetentionAsync(RetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(policy.KeepLast);
        if (policy.KeepLast == 0 || await ReadLatestAsync(cancellationToken).ConfigureAwait(false) is not { } latest)
        {
            return [];
        }
        var candidates = (await ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(e => string.CompareOrdinal(e.Name, latest.Name) <= 0).ToList();
        var complete = candidates.Where(e => e.IsComplete).ToList();
        var keep = new HashSet<string>(StringComparer.Ordinal) { latest.Name };
        keep.UnionWith(complete.OrderByDescending(e => e.Name, StringComparer.Ordinal).Take(policy.KeepLast).Select(e => e.Name));
        if (policy.BestBy is { } property && await BestAsync(complete, property, cancellationToken).ConfigureAwait(false) is { } best)
        {
            keep.Add(best);
        }
        var deleted = new List<string>();
        foreach (var entry in candidates.Where(e => !keep.Contains(e.Name)))
        {
            // The .json first: a set half deleted by a crash then reads as incomplete, never as a checkpoint.
            foreach (var stored in entry.Objects.OrderBy(o => o.Name == entry.Name + InfoExtension ? 0 : 1))
            {
                await store.DeleteAsync(stored.Name, WriteCondition.None, cancellationToken).ConfigureAwait(false);
            }
            deleted.Add(entry.Name);
        }
        return deleted;
    }

    /// <summary>The checkpoint with the highest <paramref name="property"/> (the earliest of equals), or null when none has it.</summary>
    private async Task<string?> BestAsync(IEnumerable<CheckpointEntry> complete, string property, CancellationToken cancellationToken)
    {
        (string Name, double Score)? best = null;
        foreach (var entry in complete.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var info = entry.Objects.Single(o => o.Name == entry.Name + InfoExtension);
            if (info.Length > MaxInfoBytes)
            {
                continue;
            }
            using var buffer = new MemoryStream();
            await store.DownloadAsync(info.Name, buffer, cancellationToken).ConfigureAwait(false);
            if (Score(buffer.ToArray(), property) is { } score && (best is null || score > best.Value.Score))
            {
                best = (entry.Name, score);
            }
        }
        return best?.Name;
    }

    private static double? Score(byte[] json, string property)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetDouble()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsCheckpointName(string name) =>
        name != LatestName && name.Length is > 0 and <= 200 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
