namespace U2PL.Runtime.Invocation;

/// <summary>Adapters between a grain method's typed return value and the runtime's untyped <c>Task&lt;object?&gt;</c>.</summary>
internal static class ResultAdapters
{
    public static async Task<object?> FromTask(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    public static async Task<object?> FromValueTask(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    public static async Task<object?> FromTaskOf<T>(Task<T> task) => await task.ConfigureAwait(false);

    public static async Task<object?> FromValueTaskOf<T>(ValueTask<T> task) => await task.ConfigureAwait(false);

    public static object ToTaskOf<T>(Task<object?> task) => Cast<T>(task);

    public static object ToValueTaskOf<T>(Task<object?> task) => new ValueTask<T>(Cast<T>(task));

    private static async Task<T> Cast<T>(Task<object?> task) => (T)(await task.ConfigureAwait(false))!;
}
