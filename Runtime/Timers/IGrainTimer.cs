namespace U2PL.Runtime.Timers;

/// <summary>A timer registered by a grain; dispose to stop it.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes the due time and the period.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}

/// <summary>Options of a grain timer.</summary>
public sealed record GrainTimerCreationOptions
{
    /// <summary>Delay before the first tick.</summary>
    public TimeSpan DueTime { get; init; }

    /// <summary>Delay between the end of one tick and the next; <see cref="Timeout.InfiniteTimeSpan"/> for a single tick.</summary>
    public TimeSpan Period { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Whether the callback may interleave with calls (default false: it is a turn like any call).</summary>
    public bool Interleave { get; init; }
}
