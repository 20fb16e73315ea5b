using System.Text.Json;
using U2PL.Runtime;

namespace U2PL.Grains;

/// <summary>A grain's small persisted record (JSON through the runtime's fenced storage): setups, a run's record.</summary>
internal static class GrainState
{
    public static async Task<T?> ReadAsync<T>(IGrainContext context) where T : class
    {
        var bytes = await context.ReadStateAsync();
        return bytes is null ? null : JsonSerializer.Deserialize<T>(bytes);
    }

    /// <summary>Writes the record; a stale activation (after a failover) gets the runtime's StaleActivationException.</summary>
    public static Task WriteAsync<T>(IGrainContext context, T state) =>
        context.WriteStateAsync(JsonSerializer.SerializeToUtf8Bytes(state));
}
