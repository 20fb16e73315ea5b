namespace U2PL.Runtime.Catalog;

/// <summary>Why an activation ends.</summary>
public enum DeactivationReasonCode
{
    /// <summary>No call arrived within the collection age.</summary>
    ActivationIdle,

    /// <summary>The grain asked for it.</summary>
    ApplicationRequested,

    /// <summary>The silo is shutting down gracefully.</summary>
    ShuttingDown,

    /// <summary>Activation failed (an exception in OnActivateAsync).</summary>
    ActivationFailed,

    /// <summary>The directory names another activation for this grain; this one must not serve calls.</summary>
    DuplicateActivation,
}

/// <summary>The reason an activation ends, with a description for logs.</summary>
/// <param name="Code">The reason code.</param>
/// <param name="Description">Free text for logs.</param>
public readonly record struct DeactivationReason(DeactivationReasonCode Code, string Description);
