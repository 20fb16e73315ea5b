using System.Reflection;

namespace U2PL.Runtime.Invocation;

/// <summary>
/// The proxy behind every typed grain or observer reference. The proxy type is generated once per interface by
/// <see cref="DispatchProxy"/>; a call looks its method descriptor up and hands it to the runtime.
/// </summary>
public class GrainReference : DispatchProxy
{
    private GrainId _grainId;
    private GrainInterfaceDescriptor? _interface;
    private IGrainCallInvoker? _invoker;

    /// <summary>The referenced grain.</summary>
    public GrainId GrainId => _grainId;

    /// <summary>The referenced interface.</summary>
    public GrainInterfaceDescriptor Interface => _interface!;

    internal void Bind(GrainId grainId, GrainInterfaceDescriptor grainInterface, IGrainCallInvoker invoker)
    {
        _grainId = grainId;
        _interface = grainInterface;
        _invoker = invoker;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var method = _interface!.Get(targetMethod!);
        return method.ConvertResult(_invoker!.InvokeAsync(_grainId, _interface, method, args ?? []));
    }

    /// <inheritdoc />
    public override string ToString() => $"GrainReference({_grainId})";

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is GrainReference other && other._grainId == _grainId;

    /// <inheritdoc />
    public override int GetHashCode() => _grainId.GetHashCode();
}
