using U2PL.Contracts;
using System.Buffers;
using System.Net;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// The consumer of pushed transfers (a parameter-server shard, a memory bank). The server lands each body in the memory
/// <see cref="Open"/> gives and hands it over with <see cref="CompleteAsync"/> only once the whole body has arrived and
/// its checksum matches; a refused or cut transfer goes to <see cref="Abandon"/> instead and must not be applied.
/// </summary>
public interface ITensorSink
{
    /// <summary>Memory of at least <c>descriptor.ByteLength</c> bytes for the body (the consumer's own, or rented).</summary>
    Memory<byte> Open(TransferDescriptor descriptor, EndPoint peer);

    /// <summary>The verified body (exactly <c>descriptor.ByteLength</c> bytes); the sender is answered once this returns.</summary>
    ValueTask CompleteAsync(TransferDescriptor descriptor, Memory<byte> body, EndPoint peer);

    /// <summary>The transfer was refused or cut; <paramref name="body"/> holds nothing usable and may be reused.</summary>
    void Abandon(TransferDescriptor descriptor, Memory<byte> body, DataPlaneException reason);
}

/// <summary>The provider of fetched transfers (a shard's current weights).</summary>
public interface ITensorSource
{
    /// <summary>The body for <paramref name="request"/> (transfer id, shard, version), valid until the send is done; false when there is none.</summary>
    bool TryGet(TransferDescriptor request, out ReadOnlyMemory<byte> body);
}

/// <summary>
/// A sink that rents each body from an array pool (bounded memory: one buffer per transfer in flight, reused across
/// transfers, never a new whole-model array per connection) and hands the verified body to a callback; the buffer goes
/// back to the pool when the callback returns, so the callback copies or applies what it keeps. The default pool is a
/// pool of its own, not <see cref="ArrayPool{T}.Shared"/>: the shared pool parks a returned array in the returning
/// thread's slot, where the next transfer's continuation (another thread) misses it and allocates a whole new body
/// (measured: a 256 MiB transfer at the speed of fresh pages).
/// </summary>
public sealed class PooledTensorSink(Func<TransferDescriptor, ReadOnlyMemory<byte>, EndPoint, ValueTask> onComplete, ArrayPool<byte>? pool = null) : ITensorSink
{
    /// <summary>At most this many buffers of one size class are kept between transfers.</summary>
    public const int KeptPerSize = 2;

    private readonly ArrayPool<byte> _pool = pool ?? ArrayPool<byte>.Create(1 << 30, KeptPerSize);

    public Memory<byte> Open(TransferDescriptor descriptor, EndPoint peer) =>
        _pool.Rent((int)descriptor.ByteLength).AsMemory(0, (int)descriptor.ByteLength);

    public async ValueTask CompleteAsync(TransferDescriptor descriptor, Memory<byte> body, EndPoint peer)
    {
        try
        {
            await onComplete(descriptor, body, peer);
        }
        finally
        {
            Return(body);
        }
    }

    public void Abandon(TransferDescriptor descriptor, Memory<byte> body, DataPlaneException reason) => Return(body);

    private void Return(Memory<byte> body)
    {
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(body, out var rented) && rented.Array is { } array) _pool.Return(array);
    }
}
