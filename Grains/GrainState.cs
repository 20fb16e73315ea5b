using Orleans.Runtime;

namespace U2PL.Grains;

/// <summary>
/// A grain's small persisted record (setups, a run's record) in the <see cref="Storage"/> provider (Redis). Writes are
/// ETag-guarded: a stale activation (after a failover) gets <c>InconsistentStateException</c> and changes nothing.
/// </summary>
internal static class GrainState
{
    /// <summary>The grain storage provider the silo registers for U2PL's grains.</summary>
    public const string Storage = "u2pl";

    public static T? Read<T>(IPersistentState<T> state) where T : class => state.RecordExists ? state.State : null;

    public static Task WriteAsync<T>(IPersistentState<T> state, T value)
    {
        state.State = value;
        return state.WriteStateAsync();
    }
}
