using U2PL.Contracts;
using System.Buffers.Binary;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// Frame kinds. A connection opens with the server's Hello (its frame limit in the length field); a push is Push + body +
/// checksum → Ack (or Refused); a fetch is Fetch → Data + body + checksum (or Refused). One round trip per transfer.
/// </summary>
public enum FrameKind : byte
{
    Push = 1,
    Hello = 2,
    Ack = 3,
    Refused = 4,
    Fetch = 5,
    Data = 6,
}

/// <summary>
/// The data plane's fixed 48-byte frame header, little-endian (hand-written: the wire format is ours, no library frames
/// raw tensor bodies for us). Layout: magic "U2DP" (u32), protocol version (u8), kind (u8), refusal reason (u16),
/// transfer id (16), shard (i32), reserved (i32), tensor version (i64), body length (i64). Push and Data bodies are
/// followed by an 8-byte XxHash3 of the body; a Refused body is its UTF-8 message.
/// </summary>
public readonly record struct Frame(FrameKind Kind, Guid TransferId, int Shard, long Version, long BodyLength, DataPlaneRefusal Reason = DataPlaneRefusal.None)
{
    public const uint Magic = 0x50443255; // "U2DP"
    public const byte ProtocolVersion = 1;
    public const int HeaderBytes = 48;
    public const int ChecksumBytes = 8;

    /// <summary>Longest refusal message a peer accepts.</summary>
    public const int MaxMessageBytes = 64 << 10;

    public static Frame For(FrameKind kind, TransferDescriptor descriptor, long bodyLength) =>
        new(kind, descriptor.TransferId, descriptor.Shard, descriptor.Version, bodyLength);

    public TransferDescriptor Descriptor(ulong checksum = 0) => new(TransferId, Shard, Version, BodyLength, checksum);

    public void Write(Span<byte> header)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        header[4] = ProtocolVersion;
        header[5] = (byte)Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)Reason);
        TransferId.TryWriteBytes(header[8..24]);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], Shard);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], BodyLength);
    }

    /// <summary>Reads a header; an unknown magic or protocol version is refused, naming the peer.</summary>
    public static Frame Read(ReadOnlySpan<byte> header, string peer)
    {
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (magic != Magic)
        {
            throw new DataPlaneException(DataPlaneRefusal.UnknownMagic, $"data plane: {peer} sent a frame with unknown magic 0x{magic:X8} (expected 0x{Magic:X8} \"U2DP\"): not a data-plane peer");
        }
        if (header[4] != ProtocolVersion)
        {
            throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {peer} speaks protocol version {header[4]}, this process {ProtocolVersion}");
        }
        var kind = (FrameKind)header[5];
        if (!Enum.IsDefined(kind)) throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {peer} sent an unknown frame kind {header[5]}");
        var length = BinaryPrimitives.ReadInt64LittleEndian(header[40..]);
        if (length < 0) throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {peer} sent a negative body length {length}");
        return new Frame(kind, new Guid(header[8..24]), BinaryPrimitives.ReadInt32LittleEndian(header[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[32..]), length, (DataPlaneRefusal)BinaryPrimitives.ReadUInt16LittleEndian(header[6..]));
    }
}
