namespace U2PL.Runtime;

/// <summary>Creates typed references to grains; the same API on a client, a silo and inside a grain.</summary>
public interface IGrainFactory
{
    /// <summary>A reference to the grain of interface <typeparamref name="TGrain"/> with the string key.</summary>
    TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey;

    /// <summary>A reference to the grain of interface <typeparamref name="TGrain"/> with the integer key.</summary>
    TGrain GetGrain<TGrain>(long key) where TGrain : IGrainWithIntegerKey;

    /// <summary>
    /// Wraps a local object as an observer reference that can be sent to grains. Supported on cluster clients; a grain
    /// that observes another grain implements the observer interface and passes <c>AsReference&lt;TObserver&gt;()</c>.
    /// The reference stays valid until <see cref="DeleteObjectReference{T}"/> or the client closes.
    /// </summary>
    TObserver CreateObjectReference<TObserver>(TObserver observer) where TObserver : IGrainObserver;

    /// <summary>Stops routing calls to an observer created with <see cref="CreateObjectReference{T}"/>.</summary>
    void DeleteObjectReference<TObserver>(TObserver reference) where TObserver : IGrainObserver;
}
