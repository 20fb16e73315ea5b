using System.Buffers;
using System.Text;

namespace U2PL.Runtime.Serialization;

/// <summary>Codecs of scalars, strings, byte blocks and raw arrays of unmanaged values (tensors travel as these).</summary>
internal static class PrimitiveCodecs
{
    public static IFieldCodec? For(Type type)
    {
        if (type.IsEnum) return EnumCodec(type);
        return type switch
        {
            _ when type == typeof(bool) => VarInt(v => (bool)v ? 1 : 0, r => r != 0),
            _ when type == typeof(byte) => VarInt(v => (byte)v, r => (byte)r),
            _ when type == typeof(sbyte) => VarInt(v => (sbyte)v, r => (sbyte)r),
            _ when type == typeof(short) => VarInt(v => (short)v, r => (short)r),
            _ when type == typeof(ushort) => VarInt(v => (ushort)v, r => (ushort)r),
            _ when type == typeof(char) => VarInt(v => (char)v, r => (char)r),
            _ when type == typeof(int) => VarInt(v => (int)v, r => checked((int)r)),
            _ when type == typeof(uint) => VarInt(v => (uint)v, r => checked((uint)r)),
            _ when type == typeof(long) => VarInt(v => (long)v, r => r),
            _ when type == typeof(ulong) => new DelegateCodec(WireType.VarInt, (w, v) => w.WriteVarUInt64((ulong)v), r => r.ReadVarUInt64()),
            _ when type == typeof(TimeSpan) => VarInt(v => ((TimeSpan)v).Ticks, r => new TimeSpan(r)),
            _ when type == typeof(float) => new DelegateCodec(WireType.Fixed32, (w, v) => w.WriteFixed32(BitConverter.SingleToUInt32Bits((float)v)), r => BitConverter.UInt32BitsToSingle(r.ReadFixed32())),
            _ when type == typeof(double) => new DelegateCodec(WireType.Fixed64, (w, v) => w.WriteFixed64(BitConverter.DoubleToUInt64Bits((double)v)), r => BitConverter.UInt64BitsToDouble(r.ReadFixed64())),
            _ when type == typeof(Half) => new DelegateCodec(WireType.Fixed32, (w, v) => w.WriteFixed32(BitConverter.HalfToUInt16Bits((Half)v)), r => BitConverter.UInt16BitsToHalf((ushort)r.ReadFixed32())),
            _ when type == typeof(DateTime) => new DelegateCodec(WireType.Fixed64, (w, v) => w.WriteFixed64((ulong)((DateTime)v).ToBinary()), r => DateTime.FromBinary((long)r.ReadFixed64())),
            _ when type == typeof(DateTimeOffset) => new DelegateCodec(WireType.Fixed64, (w, v) => w.WriteFixed64((ulong)((DateTimeOffset)v).UtcTicks), r => new DateTimeOffset((long)r.ReadFixed64(), TimeSpan.Zero)),
            _ when type == typeof(string) => new DelegateCodec(WireType.LengthDelimited, (w, v) => w.WriteString((string)v), r => r.ReadString()),
            _ when type == typeof(Guid) => new DelegateCodec(WireType.LengthDelimited, (w, v) => w.WriteLengthDelimited(((Guid)v).ToByteArray().AsSpan()), r => new Guid(r.ReadLengthDelimited().ToArray())),
            _ when type == typeof(ReadOnlyMemory<byte>) => new DelegateCodec(WireType.LengthDelimited, (w, v) => w.WriteLengthDelimited((ReadOnlyMemory<byte>)v), r => (ReadOnlyMemory<byte>)r.ReadUnmanagedArray<byte>()),
            _ when type == typeof(Memory<byte>) => new DelegateCodec(WireType.LengthDelimited, (w, v) => w.WriteLengthDelimited((ReadOnlyMemory<byte>)(Memory<byte>)v), r => (Memory<byte>)r.ReadUnmanagedArray<byte>()),
            _ when type.IsArray && type.GetArrayRank() == 1 && IsRawElement(type.GetElementType()!) =>
                (IFieldCodec)Activator.CreateInstance(typeof(UnmanagedArrayCodec<>).MakeGenericType(type.GetElementType()!))!,
            _ => null,
        };
    }

    private static bool IsRawElement(Type t) =>
        t == typeof(byte) || t == typeof(sbyte) || t == typeof(short) || t == typeof(ushort) || t == typeof(int) ||
        t == typeof(uint) || t == typeof(long) || t == typeof(ulong) || t == typeof(float) || t == typeof(double) ||
        t == typeof(Half) || t == typeof(char);

    private static DelegateCodec VarInt(Func<object, long> toLong, Func<long, object> fromLong) =>
        new(WireType.VarInt, (w, v) => w.WriteVarInt64(toLong(v)), r => fromLong(r.ReadVarInt64()));

    private static DelegateCodec EnumCodec(Type type) =>
        new(WireType.VarInt, (w, v) => w.WriteVarInt64(Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)),
            r => Enum.ToObject(type, r.ReadVarInt64()));

    private sealed class DelegateCodec(WireType wireType, Action<WireWriter, object> write, Func<WireReader, object> read) : IFieldCodec
    {
        public void Write(WireWriter writer, uint fieldId, object value)
        {
            writer.WriteTag(fieldId, wireType);
            write(writer, value);
        }

        public object Read(WireReader reader, WireType actual)
        {
            WireReader.Expect(actual, wireType);
            return read(reader);
        }
    }

    private sealed class UnmanagedArrayCodec<T> : IFieldCodec where T : unmanaged
    {
        public void Write(WireWriter writer, uint fieldId, object value)
        {
            writer.WriteTag(fieldId, WireType.LengthDelimited);
            writer.WriteUnmanagedArray((T[])value);
        }

        public object Read(WireReader reader, WireType wireType)
        {
            WireReader.Expect(wireType, WireType.LengthDelimited);
            return reader.ReadUnmanagedArray<T>();
        }
    }
}
