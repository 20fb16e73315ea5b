namespace U2PL.Runtime.Messaging;

/// <summary>A response that means "try again after re-resolving" (not here, no capacity, deactivating).</summary>
internal sealed class RetryableRoutingException(ResponseStatus status) : Exception($"Target answered {status}.")
{
    public ResponseStatus Status { get; } = status;
}
