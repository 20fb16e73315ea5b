using System.Collections.Concurrent;
using U2PL.Contracts;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// What a silo's data plane serves to fetches: bodies a grain published (a shard's weights at a version) under a transfer
/// id that its grain call hands out. A withdrawn body stays valid for a send already under way (the array is the GC's,
/// never reused), so a fetch never reads bytes of another version.
/// </summary>
public sealed class DataPlaneOutbox : ITensorSource
{
    private readonly ConcurrentDictionary<Guid, byte[]> _published = new();
    private long _sent;

    /// <summary>Bodies published and not withdrawn.</summary>
    public int Published => _published.Count;

    /// <summary>Bytes handed to fetches since the silo started.</summary>
    public long SentBytes => Interlocked.Read(ref _sent);

    /// <summary>Publishes <paramref name="body"/> (the caller does not change it afterwards) as shard <paramref name="shard"/>'s at <paramref name="version"/>.</summary>
    public TransferDescriptor Publish(int shard, long version, byte[] body)
    {
        var descriptor = new TransferDescriptor(Guid.NewGuid(), shard, version, body.LongLength);
        _published[descriptor.TransferId] = body;
        return descriptor;
    }

    public void Withdraw(TransferDescriptor descriptor) => _published.TryRemove(descriptor.TransferId, out _);

    public bool TryGet(TransferDescriptor request, out ReadOnlyMemory<byte> body)
    {
        if (_published.TryGetValue(request.TransferId, out var array))
        {
            body = array;
            Interlocked.Add(ref _sent, array.LongLength);
            return true;
        }
        body = default;
        return false;
    }
}
