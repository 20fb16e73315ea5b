using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace U2PL.Runtime.Networking;

/// <summary>
/// The memory pool the silo gives Kestrel's socket transport. Kestrel's default pool has 4 KiB blocks, and the
/// transport receives into one block at a time: a 256 MiB tensor would take 65,536 receive calls (each after a
/// zero-byte "wait for data" call) and as many pipe flushes. With blocks of <see cref="Configuration.MessagingOptions.ReceiveBlockSize"/>
/// each receive takes whatever the socket holds, up to a block. Blocks are pinned (the socket pins them anyway)
/// and a bounded number of free blocks is kept for reuse.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory(int blockSize) : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions options) => new LargeBlockMemoryPool(blockSize);
}

/// <inheritdoc cref="LargeBlockMemoryPoolFactory"/>
internal sealed class LargeBlockMemoryPool(int blockSize, int maxRetained = 64) : MemoryPool<byte>
{
    private readonly ConcurrentQueue<byte[]> _free = new();
    private int _retained;

    public override int MaxBufferSize => blockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > blockSize) return new Block(this, GC.AllocateUninitializedArray<byte>(minBufferSize), pooled: false);
        if (_free.TryDequeue(out var array))
        {
            Interlocked.Decrement(ref _retained);
            return new Block(this, array, pooled: true);
        }
        return new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true), pooled: true);
    }

    private void Return(byte[] array)
    {
        if (Interlocked.Increment(ref _retained) <= maxRetained) _free.Enqueue(array);
        else Interlocked.Decrement(ref _retained);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    private sealed class Block(LargeBlockMemoryPool pool, byte[] array, bool pooled) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            var array = Interlocked.Exchange(ref _array, null);
            if (array is not null && pooled) pool.Return(array);
        }
    }
}
