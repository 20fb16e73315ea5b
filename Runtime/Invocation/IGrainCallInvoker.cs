namespace U2PL.Runtime.Invocation;

/// <summary>Sends a call made through a grain reference (implemented by the silo runtime and by the cluster client).</summary>
public interface IGrainCallInvoker
{
    /// <summary>Invokes <paramref name="method"/> on the grain; <paramref name="args"/> in declaration order, token included.</summary>
    Task<object?> InvokeAsync(GrainId target, GrainInterfaceDescriptor grainInterface, GrainMethodDescriptor method, object?[] args);
}
