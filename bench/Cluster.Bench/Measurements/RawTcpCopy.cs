using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// The baseline of the payload benchmark: the same bytes through a plain TCP socket between two processes on the same
/// machine. The sender writes an 8-byte length and the float32 block; the sink (a child process, <c>raw-sink</c> mode)
/// receives it straight into a newly allocated float[] (no intermediate buffer) and answers one byte. A sink started
/// with <c>reuseArray</c> (a separate process, so that the baseline's heap is not affected) lands every block in the
/// array of the previous one instead: a pure socket copy, without the cost of fresh memory.
/// </summary>
internal sealed class RawTcpCopy : IAsyncDisposable
{
    private readonly Process _sink;
    private readonly Socket _socket;

    private RawTcpCopy(Process sink, Socket socket)
    {
        _sink = sink;
        _socket = socket;
    }

    /// <summary>Starts the sink process and connects to it.</summary>
    public static async Task<RawTcpCopy> StartAsync(bool reuseArray = false)
    {
        var port = U2PL.Tests.Cluster.FreePorts.Next();
        var mode = reuseArray ? " reuse" : "";
        var sink = Process.Start(new ProcessStartInfo("dotnet", $"\"{typeof(RawTcpCopy).Assembly.Location}\" raw-sink {port}{mode}")
        {
            RedirectStandardOutput = true,
        })!;
        var ready = await sink.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready != "ready") throw new InvalidOperationException($"raw sink said '{ready}'");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawTcpCopy(sink, socket);
    }

    /// <summary>Sends <paramref name="data"/> and waits for the sink's acknowledgement; returns the elapsed seconds.</summary>
    public async Task<double> SendAsync(float[] data)
    {
        var bytes = MemoryMarshal.AsBytes(data.AsSpan()).Length;
        var header = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(header, bytes);
        var ack = new byte[1];
        var started = Stopwatch.GetTimestamp();
        await _socket.SendAsync(header);
        await _socket.SendAsync(new Grains.FloatBytes(data).Memory);
        if (await _socket.ReceiveAsync(ack) != 1 || ack[0] != 1) throw new InvalidOperationException("raw sink did not acknowledge");
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The sink's loop (runs in the child process): length, block into a new (or the reused) float[], one-byte answer.</summary>
    public static async Task<int> RunSinkAsync(int port, bool reuseArray)
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(1);
        Console.WriteLine("ready");
        using var socket = await listener.AcceptAsync();
        socket.NoDelay = true;
        var header = new byte[8];
        float[]? kept = null;
        while (true)
        {
            if (!await ReceiveExactlyAsync(socket, header)) return 0;
            var length = BinaryPrimitives.ReadInt64LittleEndian(header);
            var floats = reuseArray && kept?.Length == length / sizeof(float) ? kept : GC.AllocateUninitializedArray<float>((int)(length / sizeof(float)));
            if (reuseArray) kept = floats;
            if (!await ReceiveExactlyAsync(socket, new Grains.FloatBytes(floats).Memory)) return 1;
            GC.KeepAlive(floats);
            await socket.SendAsync(new byte[] { 1 });
        }
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.ReceiveAsync(buffer);
            if (n == 0) return false;
            buffer = buffer[n..];
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!await Task.Run(() => _sink.WaitForExit(5000))) _sink.Kill();
        _sink.Dispose();
    }
}
