using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using U2PL.Grains.DataPlane;
using System.Runtime.InteropServices;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// The baseline of the payload benchmark: the same bytes through a plain TCP socket between two processes on the same
/// machine. The sender writes an 8-byte length and the float32 block; the sink (a child process, <c>raw-sink</c> mode)
/// receives it straight into a newly allocated float[] (no intermediate buffer) and answers one byte. A sink started
/// with <c>reuseArray</c> (a separate process, so that the baseline's heap is not affected) lands every block in the
/// array of the previous one instead: a pure socket copy, without the cost of fresh memory. With <c>tls</c> (the
/// data-plane benchmark's <c>--tls</c> baseline) both ends wrap the socket in an SslStream with the data plane's own
/// mutual-TLS settings: a raw TLS socket copy.
/// </summary>
internal sealed class RawTcpCopy : IAsyncDisposable
{
    private readonly Process _sink;
    private readonly Stream _stream;

    private RawTcpCopy(Process sink, Stream stream)
    {
        _sink = sink;
        _stream = stream;
    }

    /// <summary>Starts the sink process and connects to it.</summary>
    public static async Task<RawTcpCopy> StartAsync(bool reuseArray = false, BenchTls? tls = null)
    {
        var port = U2PL.Tests.Cluster.FreePorts.Next();
        var mode = (reuseArray ? " reuse" : "") + (tls is null ? "" : " " + tls.SinkArguments);
        var sink = Process.Start(new ProcessStartInfo("dotnet", $"\"{typeof(RawTcpCopy).Assembly.Location}\" raw-sink {port}{mode}")
        {
            RedirectStandardOutput = true,
        })!;
        var ready = await sink.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready != "ready") throw new InvalidOperationException($"raw sink said '{ready}'");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (tls is not null)
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsClientAsync(tls.Client.Client());
            stream = ssl;
        }
        return new RawTcpCopy(sink, stream);
    }

    /// <summary>The sink process's CPU time (user + system) so far.</summary>
    public TimeSpan SinkProcessorTime
    {
        get
        {
            _sink.Refresh();
            return _sink.TotalProcessorTime;
        }
    }

    /// <summary>Sends <paramref name="data"/> and waits for the sink's acknowledgement; returns the elapsed seconds.</summary>
    public async Task<double> SendAsync(float[] data)
    {
        var bytes = MemoryMarshal.AsBytes(data.AsSpan()).Length;
        var header = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(header, bytes);
        var ack = new byte[1];
        var started = Stopwatch.GetTimestamp();
        await _stream.WriteAsync(header);
        await _stream.WriteAsync(new Grains.FloatBytes(data).Memory);
        await _stream.FlushAsync();
        if (await _stream.ReadAsync(ack) != 1 || ack[0] != 1) throw new InvalidOperationException("raw sink did not acknowledge");
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The sink's loop (runs in the child process): length, block into a new (or the reused) float[], one-byte answer.</summary>
    public static async Task<int> RunSinkAsync(int port, bool reuseArray, DataPlaneTls? tls)
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(1);
        Console.WriteLine("ready");
        using var socket = await listener.AcceptAsync();
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (tls is not null)
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsServerAsync(tls.Server());
            stream = ssl;
        }
        var header = new byte[8];
        float[]? kept = null;
        while (true)
        {
            if (!await ReceiveExactlyAsync(stream, header)) return 0;
            var length = BinaryPrimitives.ReadInt64LittleEndian(header);
            var floats = reuseArray && kept?.Length == length / sizeof(float) ? kept : GC.AllocateUninitializedArray<float>((int)(length / sizeof(float)));
            if (reuseArray) kept = floats;
            if (!await ReceiveExactlyAsync(stream, new Grains.FloatBytes(floats).Memory)) return 1;
            GC.KeepAlive(floats);
            await stream.WriteAsync(new byte[] { 1 });
            await stream.FlushAsync();
        }
    }

    private static async Task<bool> ReceiveExactlyAsync(Stream stream, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0) return false;
            buffer = buffer[n..];
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        if (!await Task.Run(() => _sink.WaitForExit(5000))) _sink.Kill();
        _sink.Dispose();
    }
}
