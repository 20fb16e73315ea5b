using System.Globalization;
using System.Reflection;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Invocation;

/// <summary>Creates typed references bound to one runtime's invoker, and maps them to and from their wire form.</summary>
public sealed class GrainReferenceFactory(GrainInterfaceRegistry interfaces, IGrainCallInvoker invoker) : IGrainReferenceConverter
{
    /// <summary>The interface registry.</summary>
    public GrainInterfaceRegistry Interfaces => interfaces;

    /// <summary>A reference to the grain, of interface <typeparamref name="T"/>.</summary>
    public T Create<T>(string key) where T : IAddressable =>
        (T)CreateReference(new GrainId(GrainInterfaceRegistry.GrainTypeOf(typeof(T)), key), typeof(T));

    /// <summary>A reference to the grain with an integer key.</summary>
    public T Create<T>(long key) where T : IAddressable => Create<T>(key.ToString(CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public object CreateReference(GrainId grainId, Type interfaceType)
    {
        var descriptor = interfaces.Get(interfaceType);
        var proxy = DispatchProxy.Create(interfaceType, typeof(GrainReference));
        ((GrainReference)proxy).Bind(grainId, descriptor, invoker);
        return proxy;
    }

    /// <inheritdoc />
    public bool TryGetReference(object value, out GrainId grainId, out Type interfaceType)
    {
        if (value is GrainReference reference)
        {
            grainId = reference.GrainId;
            interfaceType = reference.Interface.InterfaceType;
            return true;
        }
        grainId = default;
        interfaceType = typeof(object);
        return false;
    }
}
