using System.Buffers;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Messaging;

/// <summary>What a message is.</summary>
public enum MessageDirection : byte
{
    /// <summary>A grain call expecting a response.</summary>
    Request = 1,

    /// <summary>The response to a request with the same id.</summary>
    Response = 2,

    /// <summary>Cancels the request with the same id (the caller's token fired).</summary>
    Cancel = 3,

    /// <summary>Failure-detection probe; answered with a response.</summary>
    Ping = 4,
}

/// <summary>The outcome carried by a response.</summary>
public enum ResponseStatus : byte
{
    /// <summary>The body holds the result.</summary>
    Ok = 0,

    /// <summary>The grain method threw; the body holds type, message and stack trace.</summary>
    Exception = 1,

    /// <summary>The target silo does not host the grain: re-resolve (and use <see cref="Message.RedirectTo"/> if set).</summary>
    NotHere = 2,

    /// <summary>The target silo has no free GPU slot: place elsewhere.</summary>
    CapacityExhausted = 3,

    /// <summary>The target silo is shutting down or deactivating the grain: retry shortly.</summary>
    Unavailable = 4,

    /// <summary>The call's deadline passed.</summary>
    DeadlineExceeded = 5,

    /// <summary>The call was cancelled by the caller.</summary>
    Cancelled = 6,

    /// <summary>The request could not be understood (unknown interface or method, malformed body).</summary>
    BadRequest = 7,
}

/// <summary>
/// A message: a header of tagged fields and a body. Outgoing bodies are a <see cref="SerializedPayload"/> (large blocks
/// referenced, not copied); incoming bodies are a slice of the received frames, decoded only where they are used (a
/// gateway forwards a body without decoding it).
/// </summary>
public sealed class Message
{
    /// <summary>Correlation id, unique per sender connection side.</summary>
    public long Id { get; set; }

    /// <summary>The direction.</summary>
    public MessageDirection Direction { get; set; }

    /// <summary>The target grain (requests).</summary>
    public GrainId Target { get; set; }

    /// <summary>Assembly-qualified short name of the grain interface (requests).</summary>
    public string InterfaceName { get; set; } = "";

    /// <summary>The method's wire id (requests).</summary>
    public uint MethodId { get; set; }

    /// <summary>The outcome (responses).</summary>
    public ResponseStatus Status { get; set; }

    /// <summary>Time the request may still take, in ms, at send time (0: none).</summary>
    public long TimeToLiveMs { get; set; }

    /// <summary>Whether the target method is read-only / always-interleave (lets a forwarding silo not decode).</summary>
    public bool IsReadOnly { get; set; }

    /// <summary>Whether the target method interleaves with anything.</summary>
    public bool IsAlwaysInterleave { get; set; }

    /// <summary>Where the grain is, for <see cref="ResponseStatus.NotHere"/> responses that know it.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>How many silos forwarded it (bounded, to stop routing loops).</summary>
    public int HopCount { get; set; }

    /// <summary>Outgoing body.</summary>
    public SerializedPayload? OutgoingBody { get; set; }

    /// <summary>Incoming body.</summary>
    public ReadOnlySequence<byte> IncomingBody { get; set; }

    /// <summary>The raw blocks the sender listed for <see cref="IncomingBody"/> (passed on when the body is forwarded).</summary>
    public IReadOnlyList<RawBlock>? IncomingRawBlocks { get; set; }

    /// <summary>A response to <paramref name="request"/> with a status and no body.</summary>
    public static Message ResponseTo(Message request, ResponseStatus status, string? redirectTo = null) => new()
    {
        Id = request.Id,
        Direction = MessageDirection.Response,
        Target = request.Target,
        Status = status,
        RedirectTo = redirectTo,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Direction} #{Id} {Target} m{MethodId:x8} {Status}";
}
