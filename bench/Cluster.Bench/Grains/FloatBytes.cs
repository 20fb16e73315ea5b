using System.Buffers;
using System.Runtime.InteropServices;

namespace U2PL.Cluster.Bench.Grains;

/// <summary>A float[] viewed as bytes (for socket calls that take <see cref="Memory{T}"/>), without copying.</summary>
internal sealed class FloatBytes(float[] array) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        unsafe
        {
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
        }
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
