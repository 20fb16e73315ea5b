using System.Buffers;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Messaging;

/// <summary>
/// Header wire form: tagged fields ended by an end-group tag, then the body. Unknown header fields are skipped, so a
/// newer peer may add fields without breaking an older one.
/// </summary>
public static class MessageCodec
{
    /// <summary>Header field listing the body's raw blocks (offset, length, element type), see <see cref="RawBlock"/>.</summary>
    private const uint RawBlocksField = 12;

    /// <summary>Serializes the header and appends the outgoing body (or the incoming one, when forwarding).</summary>
    public static SerializedPayload Encode(Message message)
    {
        var payload = new SerializedPayload();
        var w = new WireWriter(payload);
        w.WriteInt64Field(1, message.Id);
        w.WriteInt64Field(2, (long)message.Direction);
        if (message.Target.Type is not null)
        {
            w.WriteStringField(3, message.Target.Type);
            w.WriteStringField(4, message.Target.Key);
        }
        if (message.InterfaceName.Length > 0) w.WriteStringField(5, message.InterfaceName);
        if (message.MethodId != 0) { w.WriteTag(6, WireType.Fixed32); w.WriteFixed32(message.MethodId); }
        if (message.Status != 0) w.WriteInt64Field(7, (long)message.Status);
        if (message.TimeToLiveMs != 0) w.WriteInt64Field(8, message.TimeToLiveMs);
        var flags = (message.IsReadOnly ? 1 : 0) | (message.IsAlwaysInterleave ? 2 : 0);
        if (flags != 0) w.WriteInt64Field(9, flags);
        if (message.RedirectTo is not null) w.WriteStringField(10, message.RedirectTo);
        if (message.HopCount != 0) w.WriteInt64Field(11, message.HopCount);
        var blocks = message.OutgoingBody is { } outgoing ? outgoing.RawBlocks : message.IncomingRawBlocks ?? [];
        if (blocks.Count > 0) WriteRawBlocks(w, blocks);
        w.WriteTag(0, WireType.EndGroup);
        if (message.OutgoingBody is { } body)
        {
            foreach (var piece in body.Pieces) payload.AppendExternal(piece);
        }
        else if (!message.IncomingBody.IsEmpty)
        {
            payload.AppendSequence(message.IncomingBody);
        }
        return payload;
    }

    /// <summary>Parses a header; the body is the rest of <paramref name="data"/>. Throws <see cref="WireFormatException"/>.</summary>
    public static Message Decode(ReadOnlySequence<byte> data)
    {
        var r = new WireReader(data);
        var message = new Message();
        string? type = null, key = null;
        while (true)
        {
            var (id, wt) = r.ReadTag();
            if (wt == WireType.EndGroup) break;
            switch (id)
            {
                case 1 when wt == WireType.VarInt: message.Id = r.ReadVarInt64(); break;
                case 2 when wt == WireType.VarInt: message.Direction = (MessageDirection)r.ReadVarInt64(); break;
                case 3 when wt == WireType.LengthDelimited: type = r.ReadString(); break;
                case 4 when wt == WireType.LengthDelimited: key = r.ReadString(); break;
                case 5 when wt == WireType.LengthDelimited: message.InterfaceName = r.ReadString(); break;
                case 6 when wt == WireType.Fixed32: message.MethodId = r.ReadFixed32(); break;
                case 7 when wt == WireType.VarInt: message.Status = (ResponseStatus)r.ReadVarInt64(); break;
                case 8 when wt == WireType.VarInt: message.TimeToLiveMs = r.ReadVarInt64(); break;
                case 9 when wt == WireType.VarInt:
                    var flags = r.ReadVarInt64();
                    message.IsReadOnly = (flags & 1) != 0;
                    message.IsAlwaysInterleave = (flags & 2) != 0;
                    break;
                case 10 when wt == WireType.LengthDelimited: message.RedirectTo = r.ReadString(); break;
                case 11 when wt == WireType.VarInt: message.HopCount = (int)r.ReadVarInt64(); break;
                case RawBlocksField when wt == WireType.LengthDelimited: message.IncomingRawBlocks = ReadRawBlocks(r.ReadLengthDelimited()); break;
                default: r.Skip(wt); break;
            }
        }
        if (message.Direction is < MessageDirection.Request or > MessageDirection.Ping)
            throw new WireFormatException($"Unknown message direction {(int)message.Direction}.");
        if (type is not null && key is not null) message.Target = new GrainId(type, key);
        else if (message.Direction == MessageDirection.Request) throw new WireFormatException("Request without target.");
        message.IncomingBody = r.UnreadSequence;
        return message;
    }

    /// <summary>
    /// Reads just enough of a message's first frame to plan where its raw blocks land: the header length (the body
    /// starts there) and the blocks the sender listed. False when the header is not complete in
    /// <paramref name="firstFrame"/>, is malformed (the full decode reports it), or lists no usable blocks.
    /// </summary>
    public static bool TryReadLandingPlan(ReadOnlySequence<byte> firstFrame, out long bodyOffset, out IReadOnlyList<RawBlock> blocks)
    {
        bodyOffset = 0;
        blocks = [];
        try
        {
            var r = new WireReader(firstFrame);
            while (true)
            {
                var (id, wt) = r.ReadTag();
                if (wt == WireType.EndGroup) break;
                if (id == RawBlocksField && wt == WireType.LengthDelimited) blocks = ReadRawBlocks(r.ReadLengthDelimited());
                else r.Skip(wt);
            }
            bodyOffset = firstFrame.Length - r.Remaining;
        }
        catch (WireFormatException)
        {
            return false;
        }
        return blocks.Count > 0;
    }

    private static void WriteRawBlocks(WireWriter w, IReadOnlyList<RawBlock> blocks)
    {
        var list = new SerializedPayload(blocks.Count * 12);
        var lw = new WireWriter(list);
        foreach (var block in blocks)
        {
            lw.WriteVarUInt64((ulong)block.Offset);
            lw.WriteVarUInt64((ulong)block.Length);
            lw.WriteVarUInt64((ulong)block.Element);
        }
        var bytes = new byte[list.Length];
        var at = 0;
        foreach (var piece in list.Pieces)
        {
            piece.Span.CopyTo(bytes.AsSpan(at));
            at += piece.Length;
        }
        w.WriteTag(RawBlocksField, WireType.LengthDelimited);
        w.WriteLengthDelimited(bytes.AsSpan());
    }

    /// <summary>Reads a block list; blocks out of order, overlapping or of an unknown element type end the list.</summary>
    private static IReadOnlyList<RawBlock> ReadRawBlocks(ReadOnlySequence<byte> data)
    {
        var r = new WireReader(data);
        var blocks = new List<RawBlock>();
        long end = 0;
        while (!r.End)
        {
            var offset = r.ReadVarUInt64();
            var length = r.ReadVarUInt64();
            var element = (RawElement)r.ReadVarUInt64();
            var size = RawElements.SizeOf(element);
            if (size == 0 || offset < (ulong)end || offset > int.MaxValue * 4UL || length == 0 || length > int.MaxValue || length % (ulong)size != 0)
                break;
            blocks.Add(new RawBlock((long)offset, (int)length, element));
            end = (long)offset + (long)length;
        }
        return blocks;
    }
}
