using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using U2PL.Contracts;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// Where a silo's data plane lands pushed transfers until the grain call that carries their descriptor takes them: a
/// body is here only once it has arrived whole and its checksum matched (a transfer cut by a dying peer never is). A body
/// not taken within <see cref="Keep"/> (its grain call never came: the sender died between the two) is dropped. Bodies
/// live in arrays rented from a pool of the inbox's own, given back when the taker disposes its <see cref="InboxBody"/>.
/// </summary>
public sealed class DataPlaneInbox : ITensorSink, IDisposable
{
    private readonly ConcurrentDictionary<Guid, Arrived> _arrived = new();
    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(1 << 30, PooledTensorSink.KeptPerSize);
    private readonly TimeProvider _clock;
    private readonly ITimer _expiry;
    private long _received, _abandoned;

    public DataPlaneInbox(TimeSpan keep, TimeProvider? clock = null)
    {
        Keep = keep;
        _clock = clock ?? TimeProvider.System;
        _expiry = _clock.CreateTimer(_ => Expire(), null, keep, keep);
    }

    /// <summary>How long an arrived body waits for its grain call.</summary>
    public TimeSpan Keep { get; }

    /// <summary>Bodies waiting to be taken.</summary>
    public int Waiting => _arrived.Count;

    /// <summary>Transfers refused or cut since the silo started (nothing of them was kept).</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>Bytes of every body that arrived whole since the silo started.</summary>
    public long ReceivedBytes => Interlocked.Read(ref _received);

    private sealed record Arrived(TransferDescriptor Descriptor, byte[] Array, EndPoint Peer, DateTimeOffset At);

    public Memory<byte> Open(TransferDescriptor descriptor, EndPoint peer) =>
        _pool.Rent(checked((int)descriptor.ByteLength)).AsMemory(0, (int)descriptor.ByteLength);

    public ValueTask CompleteAsync(TransferDescriptor descriptor, Memory<byte> body, EndPoint peer)
    {
        var array = ArrayOf(body);
        if (!_arrived.TryAdd(descriptor.TransferId, new Arrived(descriptor, array, peer, _clock.GetUtcNow())))
        {
            _pool.Return(array);
            throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {descriptor} from {peer} arrived twice");
        }
        Interlocked.Add(ref _received, descriptor.ByteLength);
        return ValueTask.CompletedTask;
    }

    public void Abandon(TransferDescriptor descriptor, Memory<byte> body, DataPlaneException reason)
    {
        _pool.Return(ArrayOf(body));
        Interlocked.Increment(ref _abandoned);
    }

    /// <summary>
    /// The body of <paramref name="expected"/>, removed from the inbox; throws a <see cref="DataPlaneException"/> when it
    /// is not here (sent to another silo, never arrived whole, or dropped after <see cref="Keep"/>) or does not match
    /// the descriptor's length and checksum.
    /// </summary>
    public InboxBody Take(TransferDescriptor expected)
    {
        if (!_arrived.TryRemove(expected.TransferId, out var arrived))
        {
            throw new DataPlaneException(DataPlaneRefusal.NotFound,
                $"data plane: {expected} is not in this silo's inbox (sent to another silo, cut, or not taken within {Keep.TotalSeconds:0} s)");
        }
        if (arrived.Descriptor.ByteLength != expected.ByteLength || (expected.Checksum != 0 && arrived.Descriptor.Checksum != expected.Checksum))
        {
            _pool.Return(arrived.Array);
            throw new DataPlaneException(DataPlaneRefusal.ChecksumMismatch,
                $"data plane: {expected} from {arrived.Peer} arrived as {DataPlaneSizes.Format(arrived.Descriptor.ByteLength)} with checksum {arrived.Descriptor.Checksum:X16}, not what its grain call describes");
        }
        return new InboxBody(arrived.Array, (int)expected.ByteLength, _pool);
    }

    private void Expire()
    {
        var before = _clock.GetUtcNow() - Keep;
        foreach (var (id, arrived) in _arrived)
        {
            if (arrived.At < before && _arrived.TryRemove(id, out var expired)) _pool.Return(expired.Array);
        }
    }

    private static byte[] ArrayOf(Memory<byte> body) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(body, out var segment) && segment.Array is { } array
            ? array
            : throw new ArgumentException("the body is not the inbox's memory", nameof(body));

    public void Dispose()
    {
        _expiry.Dispose();
        foreach (var id in _arrived.Keys)
        {
            if (_arrived.TryRemove(id, out var arrived)) _pool.Return(arrived.Array);
        }
    }
}

/// <summary>A body taken from the <see cref="DataPlaneInbox"/>; its memory goes back to the inbox's pool on dispose.</summary>
public sealed class InboxBody(byte[] array, int length, ArrayPool<byte> pool) : IDisposable
{
    private byte[]? _array = array;

    public ReadOnlySpan<byte> Span => (_array ?? throw new ObjectDisposedException(nameof(InboxBody))).AsSpan(0, length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } returned) pool.Return(returned);
    }
}
