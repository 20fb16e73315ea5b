namespace U2PL.Grains.DataPlane;

/// <summary>Why a transfer was refused or lost; <see cref="DataPlaneRefusal.ChecksumMismatch"/> is the one a sender retries.</summary>
public enum DataPlaneRefusal : ushort
{
    None = 0,
    ChecksumMismatch = 1,
    Oversized = 2,
    UnknownMagic = 3,
    Truncated = 4,
    NotFound = 5,
    Unauthenticated = 6,
    ProtocolError = 7,
    ConsumerFailed = 8,
}

/// <summary>
/// A transfer that was refused or cut: its message names the transfer and the peer. The body it was landing in must not
/// be used (nothing partial reaches a consumer).
/// </summary>
public sealed class DataPlaneException(DataPlaneRefusal reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public DataPlaneRefusal Reason { get; } = reason;
}
