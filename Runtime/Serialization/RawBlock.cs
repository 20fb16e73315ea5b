using System.Buffers;
using System.Runtime.InteropServices;

namespace U2PL.Runtime.Serialization;

/// <summary>Element types of raw arrays (tensors travel as these), as named on the wire.</summary>
public enum RawElement : byte
{
    /// <summary>byte</summary>
    Byte = 1,
    /// <summary>sbyte</summary>
    SByte = 2,
    /// <summary>short</summary>
    Int16 = 3,
    /// <summary>ushort</summary>
    UInt16 = 4,
    /// <summary>int</summary>
    Int32 = 5,
    /// <summary>uint</summary>
    UInt32 = 6,
    /// <summary>long</summary>
    Int64 = 7,
    /// <summary>ulong</summary>
    UInt64 = 8,
    /// <summary>float</summary>
    Single = 9,
    /// <summary>double</summary>
    Double = 10,
    /// <summary>Half</summary>
    Half = 11,
    /// <summary>char</summary>
    Char = 12,
}

/// <summary>
/// A large raw array inside a message body: its byte offset from the start of the body, its byte length and its
/// element type. Senders list them in the message header so that a receiver can land each one straight in an array of
/// the right type as the frames arrive (the one copy out of the receive buffers) and hand that array to the grain.
/// </summary>
/// <param name="Offset">Offset from the start of the body.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="Element">Element type.</param>
public readonly record struct RawBlock(long Offset, int Length, RawElement Element);

/// <summary>Mapping between element types and <see cref="RawElement"/>.</summary>
internal static class RawElements
{
    public static RawElement Of<T>() where T : unmanaged => default(T) switch
    {
        byte => RawElement.Byte,
        sbyte => RawElement.SByte,
        short => RawElement.Int16,
        ushort => RawElement.UInt16,
        int => RawElement.Int32,
        uint => RawElement.UInt32,
        long => RawElement.Int64,
        ulong => RawElement.UInt64,
        float => RawElement.Single,
        double => RawElement.Double,
        System.Half => RawElement.Half,
        char => RawElement.Char,
        _ => RawElement.Byte,
    };

    public static int SizeOf(RawElement element) => element switch
    {
        RawElement.Byte or RawElement.SByte => 1,
        RawElement.Int16 or RawElement.UInt16 or RawElement.Half or RawElement.Char => 2,
        RawElement.Int32 or RawElement.UInt32 or RawElement.Single => 4,
        RawElement.Int64 or RawElement.UInt64 or RawElement.Double => 8,
        _ => 0,
    };

    /// <summary>An uninitialized array for <paramref name="byteLength"/> bytes (every byte is overwritten before use).</summary>
    public static Array Allocate(RawElement element, int byteLength) => element switch
    {
        RawElement.Byte => GC.AllocateUninitializedArray<byte>(byteLength),
        RawElement.SByte => GC.AllocateUninitializedArray<sbyte>(byteLength),
        RawElement.Int16 => GC.AllocateUninitializedArray<short>(byteLength / 2),
        RawElement.UInt16 => GC.AllocateUninitializedArray<ushort>(byteLength / 2),
        RawElement.Half => GC.AllocateUninitializedArray<Half>(byteLength / 2),
        RawElement.Char => GC.AllocateUninitializedArray<char>(byteLength / 2),
        RawElement.Int32 => GC.AllocateUninitializedArray<int>(byteLength / 4),
        RawElement.UInt32 => GC.AllocateUninitializedArray<uint>(byteLength / 4),
        RawElement.Single => GC.AllocateUninitializedArray<float>(byteLength / 4),
        RawElement.Int64 => GC.AllocateUninitializedArray<long>(byteLength / 8),
        RawElement.UInt64 => GC.AllocateUninitializedArray<ulong>(byteLength / 8),
        RawElement.Double => GC.AllocateUninitializedArray<double>(byteLength / 8),
        _ => throw new ArgumentOutOfRangeException(nameof(element)),
    };
}

/// <summary>
/// A received raw block landed in a typed array, viewed as bytes. The first reader that asks for exactly this array
/// type takes the array itself (no copy); any other read copies, so a body decoded twice never shares an array.
/// </summary>
internal sealed class LandedArray : MemoryManager<byte>
{
    private readonly Array _array;
    private int _taken;

    public LandedArray(Array array, int byteLength)
    {
        _array = array;
        ByteLength = byteLength;
    }

    public int ByteLength { get; }

    /// <summary>Takes the array when it is a <typeparamref name="T"/>[] and nobody took it before.</summary>
    public bool TryTake<T>(out T[] array) where T : unmanaged
    {
        if (_array.GetType() == typeof(T[]) && Interlocked.Exchange(ref _taken, 1) == 0) // exact type: int[] also passes "is uint[]"
        {
            array = (T[])_array;
            return true;
        }
        array = [];
        return false;
    }

    public override Span<byte> GetSpan() =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(_array), ByteLength);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        unsafe
        {
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
        }
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
