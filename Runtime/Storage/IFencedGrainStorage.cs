namespace U2PL.Runtime.Storage;

/// <summary>
/// Grain state storage whose writes carry the writer's activation epoch and succeed only while that epoch is the
/// grain's current one in the directory (a fencing token): a stale activation cannot overwrite its successor's state.
/// </summary>
public interface IFencedGrainStorage
{
    /// <summary>The last written state, or null.</summary>
    Task<byte[]?> ReadAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>Writes the state; throws <see cref="StaleActivationException"/> when <paramref name="epoch"/> is not current.</summary>
    Task WriteAsync(GrainId grainId, long epoch, ReadOnlyMemory<byte> state, CancellationToken cancellationToken);
}
