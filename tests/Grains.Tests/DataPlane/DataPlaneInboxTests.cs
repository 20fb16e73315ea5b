using System.Net.Sockets;
using System.Runtime.InteropServices;
using U2PL.Contracts;
using U2PL.Grains.DataPlane;
using U2PL.Tests.Cluster;

namespace U2PL.Grains.Tests.DataPlane;

/// <summary>
/// A silo's inbox and outbox behind a real data-plane server on loopback: what a shard's grain call takes is exactly
/// what was pushed, once; a transfer cut by a dying sender leaves nothing to apply; a fetch reads a published version.
/// </summary>
public sealed class DataPlaneInboxTests
{
    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_pushed_body_is_taken_once_bit_exact_under_its_descriptor()
    {
        using var inbox = new DataPlaneInbox(TimeSpan.FromMinutes(1));
        await using var server = DataPlaneTransferTests.Server(inbox);
        await using var client = new DataPlaneClient(server.EndPoint, DataPlaneTransferTests.Options);
        var values = DataPlaneTransferTests.Values(300_001, seed: 7);

        var sent = await client.PushAsync(Guid.NewGuid(), shard: 1, version: 12, values);

        Assert.Equal(1, inbox.Waiting);
        using (var body = inbox.Take(sent))
        {
            Assert.Equal(MemoryMarshal.Cast<float, int>(values.AsSpan()).ToArray(), MemoryMarshal.Cast<byte, int>(body.Span).ToArray());
        }
        var again = Assert.Throws<DataPlaneException>(() => inbox.Take(sent)); // a second call with the same descriptor applies nothing
        Assert.Equal(DataPlaneRefusal.NotFound, again.Reason);
        Assert.Contains($"transfer {sent.TransferId:N}", again.Message);
        Assert.Equal(values.Length * 4L, inbox.ReceivedBytes);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_descriptor_that_does_not_match_the_body_that_arrived_is_refused()
    {
        using var inbox = new DataPlaneInbox(TimeSpan.FromMinutes(1));
        await using var server = DataPlaneTransferTests.Server(inbox);
        await using var client = new DataPlaneClient(server.EndPoint, DataPlaneTransferTests.Options);

        var sent = await client.PushAsync(Guid.NewGuid(), shard: 0, version: 3, DataPlaneTransferTests.Values(1000, seed: 2));

        var refused = Assert.Throws<DataPlaneException>(() => inbox.Take(sent with { Checksum = sent.Checksum ^ 1 }));
        Assert.Equal(DataPlaneRefusal.ChecksumMismatch, refused.Reason);
        Assert.Contains("not what its grain call describes", refused.Message);
        Assert.Equal(0, inbox.Waiting);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_sender_killed_mid_body_leaves_nothing_in_the_inbox_for_its_grain_call()
    {
        using var inbox = new DataPlaneInbox(TimeSpan.FromMinutes(1));
        await using var server = DataPlaneTransferTests.Server(inbox);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        var descriptor = new TransferDescriptor(Guid.NewGuid(), 0, 9, 4 << 20);
        var header = new byte[Frame.HeaderBytes];
        Frame.For(FrameKind.Push, descriptor, descriptor.ByteLength).Write(header);
        await socket.ReceiveAsync(new byte[Frame.HeaderBytes]); // Hello
        await socket.SendAsync(header);
        await socket.SendAsync(new byte[1 << 20]); // a quarter of the gradient
        socket.LingerState = new LingerOption(true, 0); // a reset, as when the sender's process is killed
        socket.Close();

        await Eventually.Until(() => Task.FromResult(inbox.Abandoned), n => n == 1, TimeSpan.FromSeconds(20), "the cut transfer to be abandoned");

        Assert.Equal(0, inbox.Waiting);
        Assert.Equal(DataPlaneRefusal.NotFound, Assert.Throws<DataPlaneException>(() => inbox.Take(descriptor)).Reason);
        Assert.Equal(0, inbox.ReceivedBytes);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_body_whose_grain_call_never_comes_is_dropped_after_the_keep_time()
    {
        using var inbox = new DataPlaneInbox(TimeSpan.FromMilliseconds(200));
        await using var server = DataPlaneTransferTests.Server(inbox);
        await using var client = new DataPlaneClient(server.EndPoint, DataPlaneTransferTests.Options);

        var sent = await client.PushAsync(Guid.NewGuid(), shard: 0, version: 1, DataPlaneTransferTests.Values(1000, seed: 3));

        await Eventually.Until(() => Task.FromResult(inbox.Waiting), n => n == 0, TimeSpan.FromSeconds(20), "the unclaimed body to be dropped");
        Assert.Contains("not taken within", Assert.Throws<DataPlaneException>(() => inbox.Take(sent)).Message);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_published_body_is_fetched_bit_exact_and_a_withdrawn_one_is_not_found()
    {
        var outbox = new DataPlaneOutbox();
        using var inbox = new DataPlaneInbox(TimeSpan.FromMinutes(1));
        await using var server = DataPlaneTransferTests.Server(inbox, source: outbox);
        await using var client = new DataPlaneClient(server.EndPoint, DataPlaneTransferTests.Options);
        var values = DataPlaneTransferTests.Values(200_003, seed: 4);
        var published = outbox.Publish(shard: 1, version: 5, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

        var fetched = new float[values.Length];
        var got = await client.FetchAsync(published.TransferId, 1, 5, fetched);
        outbox.Withdraw(published);
        var gone = await Assert.ThrowsAsync<DataPlaneException>(() => client.FetchAsync(published.TransferId, 1, 5, new float[values.Length]));

        Assert.Equal(published.ByteLength, got.ByteLength);
        Assert.Equal(MemoryMarshal.Cast<float, int>(values.AsSpan()).ToArray(), MemoryMarshal.Cast<float, int>(fetched.AsSpan()).ToArray());
        Assert.Equal(DataPlaneRefusal.NotFound, gone.Reason);
    }
}
