using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace U2PL.Runtime.Serialization;

/// <summary>Reads tagged fields from a byte sequence; every malformed input ends in <see cref="WireFormatException"/>.</summary>
public sealed class WireReader
{
    private const int MaxDepth = 64;
    private ReadOnlySequence<byte> _rest;

    /// <summary>Reads <paramref name="data"/>.</summary>
    public WireReader(ReadOnlySequence<byte> data) => _rest = data;

    /// <summary>Whether all bytes were consumed.</summary>
    public bool End => _rest.IsEmpty;

    /// <summary>Bytes left.</summary>
    public long Remaining => _rest.Length;

    /// <summary>The unread rest of the data.</summary>
    public ReadOnlySequence<byte> UnreadSequence => _rest;

    /// <summary>Reads a field tag.</summary>
    public (uint FieldId, WireType WireType) ReadTag()
    {
        var tag = ReadVarUInt64();
        var wireType = (WireType)(tag & 7);
        if (wireType > WireType.Null) throw new WireFormatException($"Unknown wire type {(int)wireType}.");
        var id = tag >> 3;
        if (id > uint.MaxValue) throw new WireFormatException("Field id out of range.");
        return ((uint)id, wireType);
    }

    /// <summary>Reads an unsigned varint.</summary>
    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_rest.IsEmpty) throw new WireFormatException("Truncated varint.");
            var first = _rest.FirstSpan;
            var b = first.Length > 0 ? first[0] : ReadSlowByte();
            _rest = _rest.Slice(1);
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new WireFormatException("Varint too long.");
    }

    private byte ReadSlowByte()
    {
        Span<byte> one = stackalloc byte[1];
        _rest.Slice(0, 1).CopyTo(one);
        return one[0];
    }

    /// <summary>Reads a zig-zag signed varint.</summary>
    public long ReadVarInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads 4 bytes little-endian.</summary>
    public uint ReadFixed32()
    {
        Span<byte> buffer = stackalloc byte[4];
        if (_rest.Length < 4) throw new WireFormatException("Truncated fixed32.");
        _rest.Slice(0, 4).CopyTo(buffer);
        _rest = _rest.Slice(4);
        return BinaryPrimitives.ReadUInt32LittleEndian(buffer);
    }

    /// <summary>Reads 8 bytes little-endian.</summary>
    public ulong ReadFixed64()
    {
        Span<byte> buffer = stackalloc byte[8];
        if (_rest.Length < 8) throw new WireFormatException("Truncated fixed64.");
        _rest.Slice(0, 8).CopyTo(buffer);
        _rest = _rest.Slice(8);
        return BinaryPrimitives.ReadUInt64LittleEndian(buffer);
    }

    /// <summary>Reads the length of a length-delimited value and checks it against the remaining bytes.</summary>
    public int ReadLength()
    {
        var length = ReadVarUInt64();
        if (length > (ulong)_rest.Length || length > int.MaxValue) throw new WireFormatException("Length beyond the end of the data.");
        return (int)length;
    }

    /// <summary>Reads a length-delimited block as a slice of the input (no copy).</summary>
    public ReadOnlySequence<byte> ReadLengthDelimited()
    {
        var length = ReadLength();
        var slice = _rest.Slice(0, length);
        _rest = _rest.Slice(length);
        return slice;
    }

    /// <summary>Reads a UTF-8 string.</summary>
    public string ReadString()
    {
        var slice = ReadLengthDelimited();
        try
        {
            return Encoding.UTF8.GetString(slice);
        }
        catch (DecoderFallbackException e)
        {
            throw new WireFormatException("Invalid UTF-8.", e);
        }
    }

    /// <summary>
    /// Reads a raw array of unmanaged values. When the transport landed this block in an array of type T as it arrived
    /// (<see cref="RawBlock"/>), that array is returned as is: the only copy was the one out of the receive buffers.
    /// Otherwise the bytes are copied into a new array.
    /// </summary>
    public T[] ReadUnmanagedArray<T>() where T : unmanaged
    {
        var slice = ReadLengthDelimited();
        var size = Unsafe.SizeOf<T>();
        if (slice.Length % size != 0) throw new WireFormatException($"Array byte length {slice.Length} is not a multiple of {size}.");
        if (slice.IsSingleSegment && MemoryMarshal.TryGetMemoryManager<byte, LandedArray>(slice.First, out var landed, out var start, out var length) &&
            start == 0 && length == landed.ByteLength && landed.TryTake<T>(out var taken))
            return taken;
        var result = GC.AllocateUninitializedArray<T>((int)(slice.Length / size));
        slice.CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>Skips the value of a field of the given wire type (nested groups included).</summary>
    public void Skip(WireType wireType, int depth = 0)
    {
        switch (wireType)
        {
            case WireType.VarInt: ReadVarUInt64(); break;
            case WireType.Fixed32: Advance(4); break;
            case WireType.Fixed64: Advance(8); break;
            case WireType.LengthDelimited: Advance(ReadLength()); break;
            case WireType.Null: break;
            case WireType.StartGroup:
                if (depth > MaxDepth) throw new WireFormatException("Nesting too deep.");
                while (true)
                {
                    var (_, inner) = ReadTag();
                    if (inner == WireType.EndGroup) return;
                    Skip(inner, depth + 1);
                }
            default: throw new WireFormatException($"Unexpected {wireType}.");
        }
    }

    /// <summary>Checks that a field has the wire type a codec expects.</summary>
    public static void Expect(WireType actual, WireType expected)
    {
        if (actual != expected) throw new WireFormatException($"Expected {expected}, found {actual}.");
    }

    private void Advance(long count)
    {
        if (count > _rest.Length) throw new WireFormatException("Truncated value.");
        _rest = _rest.Slice(count);
    }
}

/// <summary>Input that does not follow the wire format.</summary>
public sealed class WireFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WireFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner one.</summary>
    public WireFormatException(string message, Exception inner) : base(message, inner) { }
}
