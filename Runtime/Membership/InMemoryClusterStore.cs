using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Storage;

namespace U2PL.Runtime.Membership;

/// <summary>
/// The single-process cluster store: membership table, grain directory and fenced grain state in memory. Shared by
/// every silo and client of one process (register it once as a singleton); gone when the process ends.
/// </summary>
public sealed class InMemoryClusterStore : IMembershipTable, IGrainDirectory, IFencedGrainStorage
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, MembershipEntry> _members = [];
    private readonly Dictionary<GrainId, GrainAddress> _directory = [];
    private readonly Dictionary<GrainId, (long Epoch, byte[] State)> _state = [];
    private long _version;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<MembershipTableSnapshot> ReadAllAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(new MembershipTableSnapshot(_version, [.. _members.Values]));
    }

    /// <inheritdoc />
    public Task<bool> UpsertAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_version != expectedVersion) return Task.FromResult(false);
            if (_members.TryGetValue(entry.Silo, out var old) && old.Status == SiloStatus.Dead && entry.Status != SiloStatus.Dead)
                return Task.FromResult(false); // dead is terminal for an incarnation
            _members[entry.Silo] = entry;
            _version++;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task UpdateIAmAliveAsync(SiloAddress silo, DateTimeOffset time, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_members.TryGetValue(silo, out var entry)) _members[silo] = entry with { IAmAliveTime = time };
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_directory.GetValueOrDefault(grainId));
    }

    /// <inheritdoc />
    public Task<GrainAddress> RegisterAsync(GrainId grainId, SiloAddress silo, SiloAddress? previous, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_directory.TryGetValue(grainId, out var current) && current.Silo is not null && current.Silo != previous)
                return Task.FromResult(current);
            var next = new GrainAddress(grainId, silo, (current?.Epoch ?? 0) + 1);
            _directory[grainId] = next;
            return Task.FromResult(next);
        }
    }

    /// <inheritdoc />
    public Task UnregisterAsync(GrainId grainId, SiloAddress silo, long epoch, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_directory.TryGetValue(grainId, out var current) && current.Silo == silo && current.Epoch == epoch)
                _directory[grainId] = current with { Silo = null };
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<byte[]?> ReadAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_state.TryGetValue(grainId, out var s) ? s.State.ToArray() : null);
    }

    /// <inheritdoc />
    public Task WriteAsync(GrainId grainId, long epoch, ReadOnlyMemory<byte> state, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_directory.TryGetValue(grainId, out var current) || current.Epoch != epoch)
                throw new StaleActivationException(grainId, epoch);
            _state[grainId] = (epoch, state.ToArray());
        }
        return Task.CompletedTask;
    }
}
