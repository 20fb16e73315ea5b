using System.Buffers;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Messaging;

/// <summary>Helpers to turn an outgoing body into an incoming one for local delivery (no copy).</summary>
internal static class MessageBodies
{
    /// <summary>Ensures <see cref="Message.IncomingBody"/> is set (from the outgoing pieces when needed).</summary>
    public static Message AsIncoming(Message message)
    {
        if (message.OutgoingBody is { } body && message.IncomingBody.IsEmpty) message.IncomingBody = ToSequence(body);
        return message;
    }

    public static ReadOnlySequence<byte> ToSequence(SerializedPayload payload)
    {
        var pieces = payload.Pieces;
        if (pieces.Count == 0) return ReadOnlySequence<byte>.Empty;
        if (pieces.Count == 1) return new ReadOnlySequence<byte>(pieces[0]);
        Segment? first = null, last = null;
        foreach (var piece in pieces)
        {
            var segment = new Segment(piece, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null) first = segment;
            else last.SetNext(segment);
            last = segment;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>A copy of a request for another hop (same body, no copy of it).</summary>
    public static Message Forward(Message request) => new()
    {
        Direction = MessageDirection.Request,
        Target = request.Target,
        InterfaceName = request.InterfaceName,
        MethodId = request.MethodId,
        IsReadOnly = request.IsReadOnly,
        IsAlwaysInterleave = request.IsAlwaysInterleave,
        HopCount = request.HopCount + 1,
        IncomingBody = request.IncomingBody,
        IncomingRawBlocks = request.IncomingRawBlocks,
        OutgoingBody = request.OutgoingBody,
    };

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
