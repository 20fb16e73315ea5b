namespace U2PL.Runtime.Scheduler;

/// <summary>How a turn may overlap with others.</summary>
public enum TurnKind
{
    /// <summary>Runs alone (the default for calls and timers).</summary>
    Exclusive,

    /// <summary>Runs beside other read-only turns, never beside an exclusive one.</summary>
    ReadOnly,

    /// <summary>Runs beside anything (reentrant grain, [AlwaysInterleave] method, interleaving timer).</summary>
    Interleave,
}

/// <summary>One unit of grain work: a call, a timer tick, the activation or deactivation hook.</summary>
/// <param name="Kind">Overlap semantics.</param>
/// <param name="Run">The work, run on the activation's scheduler.</param>
internal sealed record WorkItem(TurnKind Kind, Func<Task> Run)
{
    /// <summary>Completes when the work has run (its outcome included).</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
