using System.Net;
using System.Net.Sockets;

namespace U2PL.Grains.Tests.DataPlane;

/// <summary>
/// A loopback TCP relay between one client and a data-plane server that flips a bit of the client's bytes at the
/// stream offsets <c>corrupt</c> picks: corruption on the wire, which only the body checksum can catch.
/// </summary>
internal sealed class CorruptingProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly Func<long, bool> _corrupt;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _relay;

    public CorruptingProxy(IPEndPoint target, Func<long, bool> corrupt)
    {
        _target = target;
        _corrupt = corrupt;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        _relay = Task.Run(RelayAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int Corrupted;

    private async Task RelayAsync()
    {
        using var client = await _listener.AcceptAsync(_stop.Token);
        using var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await server.ConnectAsync(_target, _stop.Token);
        await Task.WhenAny(PumpAsync(client, server, corrupt: true), PumpAsync(server, client, corrupt: false));
    }

    private async Task PumpAsync(Socket from, Socket to, bool corrupt)
    {
        var buffer = new byte[64 << 10];
        long offset = 0;
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, _stop.Token);
                if (n == 0) break;
                if (corrupt)
                {
                    for (var i = 0; i < n; i++)
                    {
                        if (!_corrupt(offset + i)) continue;
                        buffer[i] ^= 0x10;
                        Interlocked.Increment(ref Corrupted);
                    }
                }
                offset += n;
                await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            await _relay;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
