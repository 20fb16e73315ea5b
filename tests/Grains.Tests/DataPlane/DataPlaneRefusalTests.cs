using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using U2PL.Grains.DataPlane;

namespace U2PL.Grains.Tests.DataPlane;

/// <summary>What the receiver refuses, and that nothing refused or cut is handed to the consumer.</summary>
public sealed class DataPlaneRefusalTests
{
    private const int Floats = 262_144 + 5; // 1 MiB and a bit
    private const long PushBytes = Frame.HeaderBytes + Floats * 4L + Frame.ChecksumBytes; // what one attempt sends

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_body_corrupted_on_the_wire_is_caught_by_its_checksum_and_sent_again()
    {
        var sink = new RecordingSink();
        await using var server = DataPlaneTransferTests.Server(sink);
        // One bit flipped in the first attempt's body only.
        await using var proxy = new CorruptingProxy(server.EndPoint, offset => offset == Frame.HeaderBytes + 100_003);
        await using var client = new DataPlaneClient(proxy.EndPoint, DataPlaneTransferTests.Options);
        var values = DataPlaneTransferTests.Values(Floats, seed: 3);

        await client.PushAsync(Guid.NewGuid(), 0, 7, values);

        Assert.Equal(1, proxy.Corrupted);
        var refused = Assert.Single(sink.Abandoned);
        Assert.Equal(DataPlaneRefusal.ChecksumMismatch, refused.Reason.Reason);
        var (_, body) = Assert.Single(sink.Completed);
        Assert.Equal(MemoryMarshal.Cast<float, int>(values).ToArray(), MemoryMarshal.Cast<byte, int>(body).ToArray());
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_body_corrupted_on_every_attempt_fails_after_the_configured_retries_and_is_never_applied()
    {
        var sink = new RecordingSink();
        await using var server = DataPlaneTransferTests.Server(sink);
        await using var proxy = new CorruptingProxy(server.EndPoint, offset => offset % PushBytes == Frame.HeaderBytes + 4242);
        await using var client = new DataPlaneClient(proxy.EndPoint, new DataPlaneOptions { Port = 0, ChecksumRetries = 2 });
        var id = Guid.NewGuid();

        var failed = await Assert.ThrowsAsync<DataPlaneException>(() => client.PushAsync(id, 0, 7, DataPlaneTransferTests.Values(Floats, seed: 4)));

        Assert.Equal(DataPlaneRefusal.ChecksumMismatch, failed.Reason);
        Assert.Contains(id.ToString("N"), failed.Message);
        Assert.Contains("corrupted", failed.Message);
        Assert.Equal(3, proxy.Corrupted); // the first attempt and two retries
        Assert.Equal(3, sink.Abandoned.Count);
        Assert.Empty(sink.Completed);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task An_oversized_frame_is_refused_naming_the_limit_and_the_peer_before_its_body_is_read()
    {
        var sink = new RecordingSink();
        await using var server = DataPlaneTransferTests.Server(sink, options: new DataPlaneOptions { Port = 0, MaxFrameBytes = 1 << 20 });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        var hello = new byte[Frame.HeaderBytes];
        await socket.ReceiveAsync(hello);
        var id = Guid.NewGuid();
        var header = new byte[Frame.HeaderBytes];
        new Frame(FrameKind.Push, id, 0, 7, (1 << 20) + 1).Write(header); // a sender that ignores the announced limit

        await socket.SendAsync(header);
        var answer = new byte[Frame.HeaderBytes];
        await socket.ReceiveAsync(answer);
        var refusal = Frame.Read(answer, "server");
        var message = new byte[refusal.BodyLength];
        await socket.ReceiveAsync(message);

        Assert.Equal(1 << 20, Frame.Read(hello, "server").BodyLength); // the limit is announced on connecting
        Assert.Equal((FrameKind.Refused, DataPlaneRefusal.Oversized, id), (refusal.Kind, refusal.Reason, refusal.TransferId));
        var text = System.Text.Encoding.UTF8.GetString(message);
        Assert.Contains($"transfer {id:N}", text);
        Assert.Contains($"from {socket.LocalEndPoint}", text);
        Assert.Contains("over the frame limit of 1.0 MiB (DataPlane:MaxFrameBytes)", text);
        Assert.Equal(0, await socket.ReceiveAsync(new byte[1])); // and the connection ends
        Assert.Equal(0, sink.Opened);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_client_does_not_send_a_frame_over_the_limit_the_server_announced()
    {
        var sink = new RecordingSink();
        await using var server = DataPlaneTransferTests.Server(sink, options: new DataPlaneOptions { Port = 0, MaxFrameBytes = 1 << 20 });
        await using var client = new DataPlaneClient(server.EndPoint, DataPlaneTransferTests.Options);
        var id = Guid.NewGuid();

        var refused = await Assert.ThrowsAsync<DataPlaneException>(() => client.PushAsync(id, 0, 7, new float[(1 << 18) + 1]));
        await client.PushAsync(Guid.NewGuid(), 0, 7, new float[1 << 18]); // exactly the limit passes

        Assert.Equal(DataPlaneRefusal.Oversized, refused.Reason);
        Assert.Contains($"data plane at {server.EndPoint} refused transfer {id:N}", refused.Message);
        Assert.Contains("over its frame limit of 1.0 MiB (DataPlane:MaxFrameBytes)", refused.Message);
        Assert.Equal(1, sink.Opened);
        Assert.Single(sink.Completed);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_frame_with_an_unknown_magic_is_refused_with_the_reason()
    {
        var sink = new RecordingSink();
        await using var server = DataPlaneTransferTests.Server(sink);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        await socket.ReceiveAsync(new byte[Frame.HeaderBytes]); // Hello
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: data-plane\r\n\r\n...................."u8.ToArray()[..Frame.HeaderBytes]);

        var header = new byte[Frame.HeaderBytes];
        await socket.ReceiveAsync(header);
        var answer = Frame.Read(header, "server");
        var message = new byte[answer.BodyLength];
        await socket.ReceiveAsync(message);

        Assert.Equal((FrameKind.Refused, DataPlaneRefusal.UnknownMagic), (answer.Kind, answer.Reason));
        Assert.Contains("unknown magic 0x20544547", System.Text.Encoding.UTF8.GetString(message));
        Assert.Equal(0, await socket.ReceiveAsync(new byte[1])); // and the connection ends
        Assert.Equal(0, sink.Opened);
    }

    [Theory(Timeout = DataPlaneTransferTests.Deadline)]
    [InlineData(false)] // the sender closes its socket mid-body
    [InlineData(true)] // the sender's connection is reset (as when its process is killed with data in flight)
    public async Task A_transfer_cut_mid_body_is_abandoned_and_never_handed_to_the_consumer(bool reset)
    {
        var sink = new RecordingSink();
        await using var server = DataPlaneTransferTests.Server(sink);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        var id = Guid.NewGuid();
        var header = new byte[Frame.HeaderBytes];
        new Frame(FrameKind.Push, id, 2, 5, 4 << 20).Write(header);
        await socket.ReceiveAsync(new byte[Frame.HeaderBytes]); // Hello
        await socket.SendAsync(header);
        await socket.SendAsync(new byte[1 << 20]); // a quarter of the body

        if (reset) socket.LingerState = new LingerOption(true, 0);
        socket.Close();
        await sink.FirstAbandoned;

        var (descriptor, reason) = Assert.Single(sink.Abandoned);
        Assert.Equal(id, descriptor.TransferId);
        Assert.Equal(DataPlaneRefusal.Truncated, reason.Reason);
        Assert.Contains($"transfer {id:N}", reason.Message);
        Assert.Contains("from 127.0.0.1:", reason.Message);
        Assert.Matches(@"cut after \d+ of 4194304 bytes", reason.Message);
        await Task.Delay(200);
        Assert.Empty(sink.Completed);
    }
}
