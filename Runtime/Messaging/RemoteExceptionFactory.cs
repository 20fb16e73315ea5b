namespace U2PL.Runtime.Messaging;

/// <summary>Rebuilds a grain's exception on the caller's side (reflection here is on the failure path only).</summary>
internal static class RemoteExceptionFactory
{
    public static Exception Create(string typeName, string message, string stack)
    {
        var type = Type.GetType(typeName, throwOnError: false);
        if (type is not null && typeof(Exception).IsAssignableFrom(type) && type.GetConstructor([typeof(string)]) is { } ctor)
        {
            try
            {
                return (Exception)ctor.Invoke([message]);
            }
            catch (System.Reflection.TargetInvocationException)
            {
                // fall through to the generic form
            }
        }
        return new RemoteGrainException(typeName, message, stack);
    }
}
