using System.Buffers;
using System.Buffers.Binary;

namespace U2PL.Runtime.Networking;

/// <summary>Kinds of frames.</summary>
public enum FrameType : byte
{
    /// <summary>Server → client: protocol version and challenge nonce.</summary>
    Hello = 1,

    /// <summary>Client → server: its nonce, identity and HMAC over both nonces.</summary>
    Auth = 2,

    /// <summary>Server → client: HMAC proving the server holds the key too.</summary>
    Accept = 3,

    /// <summary>Either side: the handshake failed; the connection closes.</summary>
    Reject = 4,

    /// <summary>A chunk of a message; the last chunk has <see cref="FrameFlags.EndOfMessage"/>.</summary>
    Message = 10,
}

/// <summary>Frame flags.</summary>
[Flags]
public enum FrameFlags : byte
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>The last chunk of a message.</summary>
    EndOfMessage = 1,
}

/// <summary>
/// The 8-byte frame header: magic 0xB5, protocol version, frame type, flags, payload length (uint32 LE).
/// Messages above the chunk size travel as several frames, so no frame exceeds the configured maximum.
/// </summary>
/// <param name="Type">The frame type.</param>
/// <param name="Flags">Flags.</param>
/// <param name="Length">Payload length.</param>
public readonly record struct FrameHeader(FrameType Type, FrameFlags Flags, int Length)
{
    /// <summary>Header size in bytes.</summary>
    public const int Size = 8;

    /// <summary>First byte of every frame.</summary>
    public const byte Magic = 0xB5;

    /// <summary>The protocol version this build speaks.</summary>
    public const byte ProtocolVersion = 1;

    /// <summary>Writes the header.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = Magic;
        destination[1] = ProtocolVersion;
        destination[2] = (byte)Type;
        destination[3] = (byte)Flags;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Length);
    }

    /// <summary>
    /// Takes one complete frame off the front of <paramref name="buffer"/>, or returns false when more bytes are needed.
    /// Throws <see cref="ProtocolViolationException"/> for a bad magic, an unknown version or type, or an oversized frame.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameSize, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        header = default;
        payload = default;
        if (buffer.Length < Size) return false;
        Span<byte> raw = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(raw);
        if (raw[0] != Magic) throw new ProtocolViolationException(RejectReason.Malformed, $"bad magic 0x{raw[0]:x2}");
        if (raw[1] != ProtocolVersion) throw new ProtocolViolationException(RejectReason.UnknownVersion, $"protocol version {raw[1]}");
        var type = (FrameType)raw[2];
        if (type is not (FrameType.Hello or FrameType.Auth or FrameType.Accept or FrameType.Reject or FrameType.Message))
            throw new ProtocolViolationException(RejectReason.Malformed, $"frame type {raw[2]}");
        var length = BinaryPrimitives.ReadInt32LittleEndian(raw[4..]);
        if (length < 0 || length > maxFrameSize) throw new ProtocolViolationException(RejectReason.Oversized, $"frame of {(uint)length} bytes (max {maxFrameSize})");
        if (buffer.Length < Size + length) return false;
        header = new FrameHeader(type, (FrameFlags)raw[3], length);
        payload = buffer.Slice(Size, length);
        buffer = buffer.Slice(Size + length);
        return true;
    }
}
