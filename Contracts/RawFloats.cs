using System.Runtime.InteropServices;

namespace U2PL.Contracts;

/// <summary>
/// float32 values that travel as raw little-endian bytes: Orleans encodes a <c>float[]</c> field element by element
/// (about 5 bytes per float and 8× slower across silos, DESIGN §8), and a <c>byte[]</c> as one block.
/// </summary>
[GenerateSerializer, Immutable, Alias("u2pl.floats")]
public sealed record RawFloats
{
    static RawFloats()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("tensors travel as little-endian bytes");
    }

    [Id(0)] public byte[] Bytes { get; init; } = [];

    public int Length => Bytes.Length / sizeof(float);

    public ReadOnlySpan<float> Span => MemoryMarshal.Cast<byte, float>(Bytes);

    public static RawFloats From(ReadOnlySpan<float> values) => new() { Bytes = MemoryMarshal.AsBytes(values).ToArray() };

    public float[] ToArray() => Span.ToArray();

    public static implicit operator RawFloats(float[] values) => From(values);
}
