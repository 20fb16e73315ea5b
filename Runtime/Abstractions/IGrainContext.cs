using U2PL.Runtime.Catalog;
using U2PL.Runtime.Storage;
using U2PL.Runtime.Timers;

namespace U2PL.Runtime;

/// <summary>The runtime side of one activation, as its grain sees it.</summary>
public interface IGrainContext
{
    /// <summary>The grain id.</summary>
    GrainId GrainId { get; }

    /// <summary>
    /// The fencing epoch of this activation: the directory entry's epoch when the activation registered. A later
    /// activation of the same grain (after a failover) has a larger epoch, and writes carrying this one are refused.
    /// </summary>
    long ActivationEpoch { get; }

    /// <summary>The silo hosting the activation.</summary>
    string SiloAddress { get; }

    /// <summary>Grain references.</summary>
    IGrainFactory GrainFactory { get; }

    /// <summary>
    /// A reference to this activation's grain as another interface it implements, e.g. an observer interface: the
    /// grain can then subscribe itself to another grain's events. Calls through it are turns of this grain.
    /// </summary>
    object GetReference(Type interfaceType);

    /// <summary>Services of the hosting silo.</summary>
    IServiceProvider ActivationServices { get; }

    /// <summary>Reads the grain's persisted state (null when none was written).</summary>
    Task<byte[]?> ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the grain's state, fenced by <see cref="ActivationEpoch"/>: throws <see cref="StaleActivationException"/>
    /// when a newer activation of the grain exists (this one is stale after a failover) and leaves the state untouched.
    /// </summary>
    Task WriteStateAsync(ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default);

    /// <summary>Requests deactivation after the current turn.</summary>
    void Deactivate(DeactivationReason reason);

    /// <summary>Registers a grain timer; see <see cref="Grain"/>.</summary>
    IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options);
}
