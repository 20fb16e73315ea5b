namespace U2PL.Runtime.Membership;

/// <summary>The life cycle of a silo in the membership table.</summary>
public enum SiloStatus
{
    /// <summary>Unknown / not in the table.</summary>
    None = 0,

    /// <summary>Started, not yet serving.</summary>
    Joining = 1,

    /// <summary>Serving calls and taking activations.</summary>
    Active = 2,

    /// <summary>Graceful shutdown: no new activations, finishing turns, handing grains off.</summary>
    ShuttingDown = 3,

    /// <summary>Gone: left gracefully or declared dead by failure detection. Terminal for this incarnation.</summary>
    Dead = 4,
}
