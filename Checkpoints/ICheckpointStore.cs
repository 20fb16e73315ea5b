namespace U2PL.Checkpoints;

/// <summary>
/// A flat namespace of named byte objects (a directory, or a prefix in a blob container). Objects are written whole:
/// a write that fails or is killed midway leaves the previous version readable. Every read is verified against
/// per-block checksums recorded at write time, so a corrupted block is reported instead of returned.
/// </summary>
/// <remarks>
/// Names are relative paths: segments of letters, digits, <c>.</c>, <c>_</c> and <c>-</c> separated by <c>/</c>, no
/// segment starting with a dot. A checkpoint (a set of objects plus the <c>latest</c> pointer) is built on top of this
/// by <see cref="Catalog.CheckpointCatalog"/>.
/// </remarks>
public interface ICheckpointStore : IDisposable
{
    /// <summary>The store's URI as opened (never with credentials), for messages.</summary>
    string Location { get; }

    /// <summary>
    /// Writes <paramref name="name"/> from <paramref name="content"/>, read to its end block by block (memory stays
    /// bounded by the block size). The new version becomes visible only when complete and only if
    /// <paramref name="condition"/> holds at that moment; otherwise <see cref="CheckpointConflictException"/>.
    /// </summary>
    Task<StoredObject> UploadAsync(string name, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Copies the whole object to <paramref name="destination"/>, each block verified before it is written.</summary>
    /// <exception cref="CheckpointNotFoundException">No such object.</exception>
    /// <exception cref="CheckpointCorruptException">A block does not match its checksum.</exception>
    Task<StoredObject> DownloadAsync(string name, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads up to <c>buffer.Length</c> bytes from <paramref name="offset"/> (fewer only at the end of the object); the
    /// blocks that hold the range are read whole and verified.
    /// </summary>
    Task<int> ReadAsync(string name, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>The object's current version, or null when there is none.</summary>
    Task<StoredObject?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every object whose name starts with <paramref name="prefix"/>, in ordinal name order.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix = "", CancellationToken cancellationToken = default);

    /// <summary>Deletes the object if <paramref name="condition"/> holds; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string name, WriteCondition condition = default, CancellationToken cancellationToken = default);
}

/// <summary>One version of a stored object. <see cref="ETag"/> changes with every write.</summary>
public sealed record StoredObject(string Name, long Length, string ETag, DateTimeOffset LastModified);

/// <summary>
/// What must be true of an object's current version for a write or delete to go ahead (HTTP's If-Match and
/// If-None-Match: *). A writer that read version E and writes with <see cref="Matching"/>(E) cannot replace a newer
/// version written by someone else in between.
/// </summary>
public readonly record struct WriteCondition
{
    /// <summary>The write goes ahead only if the current version has this ETag.</summary>
    public string? IfMatch { get; init; }

    /// <summary>The write goes ahead only if the object does not exist.</summary>
    public bool IfNotExists { get; init; }

    /// <summary>No condition: the last writer wins.</summary>
    public static WriteCondition None => default;

    /// <summary>The object must not exist yet.</summary>
    public static WriteCondition Absent => new() { IfNotExists = true };

    /// <summary>The object's current version must be <paramref name="etag"/>.</summary>
    public static WriteCondition Matching(string etag) => new() { IfMatch = etag };

    /// <summary>The version just read (<see cref="Matching"/>), or <see cref="Absent"/> when there was none.</summary>
    public static WriteCondition After(StoredObject? current) => current is null ? Absent : Matching(current.ETag);

    public override string ToString() => IfMatch is not null ? $"if-match {IfMatch}" : IfNotExists ? "if-not-exists" : "unconditional";
}
