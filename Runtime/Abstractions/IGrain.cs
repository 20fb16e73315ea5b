namespace U2PL.Runtime;

/// <summary>Marker for everything that can be addressed through a reference: grains and observers.</summary>
public interface IAddressable;

/// <summary>Marker for grain interfaces. Use <see cref="IGrainWithStringKey"/> or <see cref="IGrainWithIntegerKey"/>.</summary>
public interface IGrain : IAddressable;

/// <summary>A grain interface whose grains are keyed by a string.</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>A grain interface whose grains are keyed by a 64-bit integer.</summary>
public interface IGrainWithIntegerKey : IGrain;

/// <summary>
/// Marker for observer interfaces: objects a client creates with <see cref="IGrainFactory.CreateObjectReference{T}"/>
/// and hands to a grain, which calls them back (e.g. progress events of a run).
/// </summary>
public interface IGrainObserver : IAddressable;
