using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;

namespace U2PL.Runtime.Invocation;

/// <summary>
/// Builds the descriptor of each grain/observer interface the first time it is used (compiled invokers and result
/// converters), and caches it for the life of the runtime.
/// </summary>
public sealed class GrainInterfaceRegistry
{
    private readonly ConcurrentDictionary<Type, GrainInterfaceDescriptor> _descriptors = new();

    /// <summary>The descriptor of <paramref name="interfaceType"/>.</summary>
    public GrainInterfaceDescriptor Get(Type interfaceType) => _descriptors.GetOrAdd(interfaceType, Build);

    /// <summary>The grain type name of an interface.</summary>
    public static string GrainTypeOf(Type interfaceType) =>
        interfaceType.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? interfaceType.FullName ?? interfaceType.Name;

    private static GrainInterfaceDescriptor Build(Type interfaceType)
    {
        if (!interfaceType.IsInterface || !typeof(IAddressable).IsAssignableFrom(interfaceType))
            throw new ArgumentException($"{interfaceType} is not a grain or observer interface.");
        var methods = new[] { interfaceType }.Concat(interfaceType.GetInterfaces())
            .Where(i => i != typeof(IAddressable) && typeof(IAddressable).IsAssignableFrom(i))
            .SelectMany(i => i.GetMethods())
            .Select(BuildMethod)
            .ToList();
        return new GrainInterfaceDescriptor(interfaceType, GrainTypeOf(interfaceType), methods);
    }

    private static GrainMethodDescriptor BuildMethod(MethodInfo method)
    {
        if (method.IsGenericMethodDefinition) throw new NotSupportedException($"{method}: generic grain methods are not supported.");
        var parameters = method.GetParameters();
        var ctIndex = Array.FindIndex(parameters, p => p.ParameterType == typeof(CancellationToken));
        var wireTypes = parameters.Where(p => p.ParameterType != typeof(CancellationToken)).Select(p => p.ParameterType).ToArray();
        var (kind, resultType) = Classify(method);
        return new GrainMethodDescriptor(method, MethodId(method), wireTypes, ctIndex, kind, resultType,
            CompileInvoker(method, parameters, kind, resultType), CompileConverter(kind, resultType));
    }

    private static (ReturnKind, Type) Classify(MethodInfo method)
    {
        var r = method.ReturnType;
        if (r == typeof(Task)) return (ReturnKind.Task, typeof(void));
        if (r == typeof(ValueTask)) return (ReturnKind.ValueTask, typeof(void));
        if (r.IsGenericType && r.GetGenericTypeDefinition() == typeof(Task<>)) return (ReturnKind.TaskOfT, r.GetGenericArguments()[0]);
        if (r.IsGenericType && r.GetGenericTypeDefinition() == typeof(ValueTask<>)) return (ReturnKind.ValueTaskOfT, r.GetGenericArguments()[0]);
        throw new NotSupportedException($"{method.DeclaringType}.{method.Name}: grain methods return Task, Task<T>, ValueTask or ValueTask<T>.");
    }

    /// <summary>FNV-1a over "Interface.Method(ParamType,...)": stable across processes and builds.</summary>
    private static uint MethodId(MethodInfo method)
    {
        var signature = $"{method.DeclaringType!.FullName}.{method.Name}({string.Join(',', method.GetParameters().Select(p => p.ParameterType.FullName))})";
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(signature)) hash = (hash ^ b) * 16777619u;
        return hash;
    }

    private static Func<object, object?[], Task<object?>> CompileInvoker(MethodInfo method, ParameterInfo[] parameters, ReturnKind kind, Type resultType)
    {
        var target = Expression.Parameter(typeof(object), "target");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var callArgs = parameters.Select((p, i) =>
            (Expression)Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType));
        var call = Expression.Call(Expression.Convert(target, method.DeclaringType!), method, callArgs);
        var wrap = kind switch
        {
            ReturnKind.Task => typeof(ResultAdapters).GetMethod(nameof(ResultAdapters.FromTask))!,
            ReturnKind.ValueTask => typeof(ResultAdapters).GetMethod(nameof(ResultAdapters.FromValueTask))!,
            ReturnKind.TaskOfT => typeof(ResultAdapters).GetMethod(nameof(ResultAdapters.FromTaskOf))!.MakeGenericMethod(resultType),
            _ => typeof(ResultAdapters).GetMethod(nameof(ResultAdapters.FromValueTaskOf))!.MakeGenericMethod(resultType),
        };
        return Expression.Lambda<Func<object, object?[], Task<object?>>>(Expression.Call(wrap, call), target, args).Compile();
    }

    private static Func<Task<object?>, object> CompileConverter(ReturnKind kind, Type resultType) => kind switch
    {
        ReturnKind.Task => t => t,
        ReturnKind.ValueTask => t => new ValueTask(t),
        ReturnKind.TaskOfT => typeof(ResultAdapters).GetMethod(nameof(ResultAdapters.ToTaskOf))!.MakeGenericMethod(resultType)
            .CreateDelegate<Func<Task<object?>, object>>(),
        _ => typeof(ResultAdapters).GetMethod(nameof(ResultAdapters.ToValueTaskOf))!.MakeGenericMethod(resultType)
            .CreateDelegate<Func<Task<object?>, object>>(),
    };
}
