using System.Reflection;

namespace U2PL.Runtime.Invocation;

/// <summary>A grain or observer interface with its method descriptors, built once by <see cref="GrainInterfaceRegistry"/>.</summary>
public sealed class GrainInterfaceDescriptor
{
    private readonly Dictionary<MethodInfo, GrainMethodDescriptor> _byMethod;
    private readonly Dictionary<uint, GrainMethodDescriptor> _byId;

    internal GrainInterfaceDescriptor(Type interfaceType, string grainType, IReadOnlyList<GrainMethodDescriptor> methods)
    {
        InterfaceType = interfaceType;
        GrainType = grainType;
        Methods = methods;
        _byMethod = methods.ToDictionary(m => m.Method);
        _byId = [];
        foreach (var method in methods)
        {
            if (!_byId.TryAdd(method.MethodId, method))
                throw new InvalidOperationException($"{interfaceType}: methods {_byId[method.MethodId]} and {method} have the same wire id.");
        }
        IsObserver = typeof(IGrainObserver).IsAssignableFrom(interfaceType);
        IsReentrant = interfaceType.GetCustomAttribute<ReentrantAttribute>() is not null;
    }

    /// <summary>The interface.</summary>
    public Type InterfaceType { get; }

    /// <summary>The grain type name (<see cref="GrainTypeAttribute"/> or the interface's full name).</summary>
    public string GrainType { get; }

    /// <summary>All methods, inherited interfaces included.</summary>
    public IReadOnlyList<GrainMethodDescriptor> Methods { get; }

    /// <summary>Whether this is an observer interface.</summary>
    public bool IsObserver { get; }

    /// <summary>Whether the interface is marked reentrant.</summary>
    public bool IsReentrant { get; }

    /// <summary>The descriptor of an interface method.</summary>
    public GrainMethodDescriptor Get(MethodInfo method) =>
        _byMethod.TryGetValue(method, out var d) ? d : throw new InvalidOperationException($"{method} is not a method of {InterfaceType}.");

    /// <summary>The descriptor with the wire id, or null.</summary>
    public GrainMethodDescriptor? Find(uint methodId) => _byId.GetValueOrDefault(methodId);
}
