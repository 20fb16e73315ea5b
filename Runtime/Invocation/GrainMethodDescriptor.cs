using System.Reflection;

namespace U2PL.Runtime.Invocation;

/// <summary>How a grain interface method returns.</summary>
public enum ReturnKind
{
    /// <summary><see cref="Task"/>.</summary>
    Task,

    /// <summary><see cref="Task{TResult}"/>.</summary>
    TaskOfT,

    /// <summary><see cref="ValueTask"/>.</summary>
    ValueTask,

    /// <summary><see cref="ValueTask{TResult}"/>.</summary>
    ValueTaskOfT,
}

/// <summary>
/// Everything the runtime needs to call one interface method, built once per interface: its wire id, the types of
/// its serialized parameters, where its <see cref="CancellationToken"/> sits, its turn semantics and deadline, a
/// compiled invoker (dispatch side) and a compiled result converter (proxy side). No reflection per call.
/// </summary>
public sealed class GrainMethodDescriptor
{
    internal GrainMethodDescriptor(MethodInfo method, uint methodId, Type[] wireParameterTypes, int cancellationTokenIndex,
        ReturnKind returnKind, Type resultType, Func<object, object?[], Task<object?>> invoker, Func<Task<object?>, object> convertResult)
    {
        Method = method;
        MethodId = methodId;
        WireParameterTypes = wireParameterTypes;
        CancellationTokenIndex = cancellationTokenIndex;
        ReturnKind = returnKind;
        ResultType = resultType;
        Invoker = invoker;
        ConvertResult = convertResult;
        IsReadOnly = method.GetCustomAttribute<ReadOnlyAttribute>() is not null;
        IsAlwaysInterleave = method.GetCustomAttribute<AlwaysInterleaveAttribute>() is not null;
        Timeout = method.GetCustomAttribute<ResponseTimeoutAttribute>()?.Timeout;
    }

    /// <summary>The interface method.</summary>
    public MethodInfo Method { get; }

    /// <summary>Stable id on the wire (a hash of declaring interface, name and parameter types).</summary>
    public uint MethodId { get; }

    /// <summary>Types of the parameters that travel (all but the cancellation token).</summary>
    public Type[] WireParameterTypes { get; }

    /// <summary>Index of the <see cref="CancellationToken"/> parameter, or -1.</summary>
    public int CancellationTokenIndex { get; }

    /// <summary>The return shape.</summary>
    public ReturnKind ReturnKind { get; }

    /// <summary>The result type (<see cref="void"/> for Task/ValueTask).</summary>
    public Type ResultType { get; }

    /// <summary>Read-only calls run together, never beside a non-read-only one.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Interleaves with anything.</summary>
    public bool IsAlwaysInterleave { get; }

    /// <summary>Per-method deadline, if set.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Calls the method on a grain instance; args in declaration order (token included).</summary>
    public Func<object, object?[], Task<object?>> Invoker { get; }

    /// <summary>Turns the untyped result task into the method's declared return value.</summary>
    public Func<Task<object?>, object> ConvertResult { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Method.DeclaringType?.Name}.{Method.Name}";
}
