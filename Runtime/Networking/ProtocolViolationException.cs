namespace U2PL.Runtime.Networking;

/// <summary>Why a peer, frame or message was rejected (a tag of the rejection counters).</summary>
public enum RejectReason
{
    /// <summary>Failed or absent shared-key authentication.</summary>
    Unauthenticated,

    /// <summary>Bytes that are not frames or messages.</summary>
    Malformed,

    /// <summary>A frame above the maximum frame size or a message above the maximum message size.</summary>
    Oversized,

    /// <summary>A protocol version this silo does not speak.</summary>
    UnknownVersion,

    /// <summary>The handshake did not complete in time.</summary>
    HandshakeTimeout,
}

/// <summary>A peer broke the protocol; the connection is closed, the event logged and counted.</summary>
public sealed class ProtocolViolationException(RejectReason reason, string detail) : Exception($"{reason}: {detail}")
{
    /// <summary>The reason.</summary>
    public RejectReason Reason { get; } = reason;
}
