using System.Buffers;
using System.Runtime.InteropServices;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// The bytes of a float buffer as <see cref="Memory{T}"/> of bytes, without copying, for stream calls that take bytes
/// (hand-written: the BCL casts spans, not memories). The floats are pinned while this lives, so a managed array, a
/// pooled one or a tensor's native memory (a <see cref="MemoryManager{T}"/>) all go to the wire where they lie.
/// </summary>
public sealed unsafe class PinnedBytes : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;
    private MemoryHandle _pin;

    private PinnedBytes(MemoryHandle pin, int length)
    {
        _pin = pin;
        _pointer = (byte*)pin.Pointer;
        _length = length;
    }

    public static PinnedBytes Of(ReadOnlyMemory<float> values) => Of(MemoryMarshal.AsMemory(values));

    public static PinnedBytes Of(Memory<float> values) =>
        (long)values.Length * sizeof(float) > int.MaxValue
            ? throw new ArgumentOutOfRangeException(nameof(values), $"{values.Length} floats is over the 2 GiB a single transfer can carry")
            : new PinnedBytes(values.Pin(), values.Length * sizeof(float));

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) => _pin.Dispose();
}
