using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace U2PL.Runtime.Serialization;

/// <summary>Writes tagged fields into a <see cref="SerializedPayload"/>.</summary>
public sealed class WireWriter(SerializedPayload output)
{
    /// <summary>The payload written to.</summary>
    public SerializedPayload Output { get; } = output;

    /// <summary>Writes a field tag.</summary>
    public void WriteTag(uint fieldId, WireType wireType) => WriteVarUInt64(((ulong)fieldId << 3) | (byte)wireType);

    /// <summary>Writes an unsigned LEB128 varint.</summary>
    public void WriteVarUInt64(ulong value)
    {
        var span = Output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        Output.Advance(i);
    }

    /// <summary>Writes a zig-zag signed varint.</summary>
    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes 4 bytes little-endian.</summary>
    public void WriteFixed32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Output.GetSpan(4), value);
        Output.Advance(4);
    }

    /// <summary>Writes 8 bytes little-endian.</summary>
    public void WriteFixed64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Output.GetSpan(8), value);
        Output.Advance(8);
    }

    /// <summary>Writes a length-prefixed block, copied.</summary>
    public void WriteLengthDelimited(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt64((ulong)bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>Writes a length-prefixed block: large blocks are referenced, not copied (see <see cref="SerializedPayload"/>).</summary>
    public void WriteLengthDelimited(ReadOnlyMemory<byte> bytes, RawElement element = RawElement.Byte)
    {
        WriteVarUInt64((ulong)bytes.Length);
        if (bytes.Length >= SerializedPayload.ExternalThreshold) Output.AppendRawBlock(bytes, element);
        else WriteRaw(bytes.Span);
    }

    /// <summary>Writes a string as UTF-8, length-prefixed.</summary>
    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt64((ulong)count);
        var span = Output.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        Output.Advance(count);
    }

    /// <summary>Writes a field holding a string.</summary>
    public void WriteStringField(uint fieldId, string? value)
    {
        if (value is null) { WriteTag(fieldId, WireType.Null); return; }
        WriteTag(fieldId, WireType.LengthDelimited);
        WriteString(value);
    }

    /// <summary>Writes a field holding a signed integer.</summary>
    public void WriteInt64Field(uint fieldId, long value)
    {
        WriteTag(fieldId, WireType.VarInt);
        WriteVarInt64(value);
    }

    /// <summary>Writes an array of unmanaged values as raw little-endian bytes, referenced when large.</summary>
    public void WriteUnmanagedArray<T>(T[] values) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
        WriteLengthDelimited(ByteMemory.Of(values), RawElements.Of<T>());
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = Output.GetSpan(Math.Min(bytes.Length, 1 << 20));
            var n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            Output.Advance(n);
            bytes = bytes[n..];
        }
    }
}

/// <summary>Views an array of unmanaged values as bytes without copying.</summary>
internal static class ByteMemory
{
    public static ReadOnlyMemory<byte> Of<T>(T[] values) where T : unmanaged =>
        typeof(T) == typeof(byte) ? (byte[])(object)values : new CastMemoryManager<T>(values).Memory;

    private sealed class CastMemoryManager<T>(T[] array) : System.Buffers.MemoryManager<byte> where T : unmanaged
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            unsafe
            {
                return new System.Buffers.MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
            }
        }

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
