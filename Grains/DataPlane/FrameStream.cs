using U2PL.Contracts;
using System.IO.Hashing;
using System.Text;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// Frames over one connection's stream (plain <see cref="System.Net.Sockets.NetworkStream"/> or <see cref="System.Net.Security.SslStream"/>).
/// Hand-written because the body must go between the wire and the tensor's own memory with no copy of ours: a body is
/// written and read in chunks straight from/to the caller's memory, each chunk hashed (XxHash3, ~15-20 GB/s here) beside
/// the next chunk's I/O. Streams, not System.IO.Pipelines: a PipeReader lands bytes in its own segments, which must
/// then be copied into the tensor; reading the stream into the destination has the kernel (or SslStream) write there
/// directly. Measured (bench/RESULTS.md, "Data plane"): 256 MiB over loopback, PipeReader + copy 0.92 of stream reads.
/// </summary>
internal sealed class FrameStream(Stream stream, string peer, DataPlaneOptions options) : IAsyncDisposable
{
    // Reading and writing may run at once (a client's reader loop beside its writer): each direction has its own buffers.
    private readonly byte[] _readHeader = new byte[Frame.HeaderBytes];
    private readonly byte[] _writeHeader = new byte[Frame.HeaderBytes];
    private readonly byte[] _readChecksum = new byte[Frame.ChecksumBytes];
    private readonly byte[] _writeChecksum = new byte[Frame.ChecksumBytes];

    public string Peer { get; } = peer;

    public Stream Stream { get; } = stream;

    public async ValueTask WriteAsync(Frame frame, CancellationToken cancellation)
    {
        frame.Write(_writeHeader);
        await Stream.WriteAsync(_writeHeader, cancellation);
    }

    /// <summary>The next frame header; null when the peer closed the connection between frames.</summary>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellation, bool stall = false)
    {
        var read = await ReadAtLeastAsync(_readHeader, stall, cancellation);
        if (read == 0) return null;
        if (read < Frame.HeaderBytes) throw new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: {Peer} closed the connection inside a frame header ({read} of {Frame.HeaderBytes} bytes)");
        return Frame.Read(_readHeader, Peer);
    }

    /// <summary>
    /// Writes <paramref name="body"/> in chunks, then its checksum; returns the checksum. Chunk k is hashed while chunk
    /// k − 1 is still being written, so that hashing hides behind the socket where a core is free.
    /// </summary>
    public async ValueTask<ulong> WriteBodyAsync(ReadOnlyMemory<byte> body, CancellationToken cancellation)
    {
        var hash = new XxHash3();
        var writing = ValueTask.CompletedTask;
        for (var offset = 0; offset < body.Length; offset += options.ChunkBytes)
        {
            var chunk = body.Slice(offset, Math.Min(options.ChunkBytes, body.Length - offset));
            hash.Append(chunk.Span);
            await writing;
            writing = Stream.WriteAsync(chunk, cancellation);
        }
        await writing;
        var checksum = hash.GetCurrentHashAsUInt64();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(_writeChecksum, checksum);
        await Stream.WriteAsync(_writeChecksum, cancellation);
        await Stream.FlushAsync(cancellation);
        return checksum;
    }

    /// <summary>
    /// Reads a body of <c>destination.Length</c> bytes into <paramref name="destination"/> and the checksum after it;
    /// chunk k is hashed while chunk k + 1 is being read. A peer that closes or stalls mid-body is a truncated transfer;
    /// a checksum that does not match is refused. Either way the destination holds nothing usable.
    /// </summary>
    public async ValueTask<ulong> ReadBodyAsync(TransferDescriptor descriptor, Memory<byte> destination, CancellationToken cancellation)
    {
        var hash = new XxHash3();
        var chunk = destination[..Math.Min(options.ChunkBytes, destination.Length)];
        var reading = ReadAtLeastAsync(chunk, stall: true, cancellation);
        for (var offset = 0; offset < destination.Length; offset += chunk.Length)
        {
            chunk = destination.Slice(offset, Math.Min(options.ChunkBytes, destination.Length - offset));
            var read = await reading;
            if (read < chunk.Length) throw Truncated(descriptor, offset + read);
            var next = offset + chunk.Length;
            if (next < destination.Length) reading = ReadAtLeastAsync(destination.Slice(next, Math.Min(options.ChunkBytes, destination.Length - next)), stall: true, cancellation);
            hash.Append(chunk.Span);
        }
        if (await ReadAtLeastAsync(_readChecksum, stall: true, cancellation) < Frame.ChecksumBytes) throw Truncated(descriptor, destination.Length);
        var expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_readChecksum);
        var actual = hash.GetCurrentHashAsUInt64();
        if (actual != expected)
        {
            throw new DataPlaneException(DataPlaneRefusal.ChecksumMismatch,
                $"data plane: {descriptor} from {Peer} is corrupted: body checksum {actual:X16}, sender's {expected:X16} (XxHash3)");
        }
        return actual;
    }

    /// <summary>Tells the peer why a transfer is refused (best effort: the connection may already be gone).</summary>
    public async ValueTask RefuseAsync(Frame about, DataPlaneException reason, CancellationToken cancellation)
    {
        var message = Encoding.UTF8.GetBytes(reason.Message);
        if (message.Length > Frame.MaxMessageBytes) message = message[..Frame.MaxMessageBytes];
        try
        {
            await WriteAsync(about with { Kind = FrameKind.Refused, BodyLength = message.Length, Reason = reason.Reason }, cancellation);
            await Stream.WriteAsync(message, cancellation);
            await Stream.FlushAsync(cancellation);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>The message of a Refused frame whose header has been read.</summary>
    public async ValueTask<string> ReadRefusalAsync(Frame refused, CancellationToken cancellation)
    {
        if (refused.BodyLength > Frame.MaxMessageBytes) throw new DataPlaneException(DataPlaneRefusal.ProtocolError, $"data plane: {Peer} sent a refusal of {refused.BodyLength} bytes");
        var message = new byte[refused.BodyLength];
        if (await ReadAtLeastAsync(message, stall: true, cancellation) < message.Length) throw new DataPlaneException(DataPlaneRefusal.Truncated, $"data plane: {Peer} closed the connection inside a refusal");
        return Encoding.UTF8.GetString(message);
    }

    private DataPlaneException Truncated(TransferDescriptor descriptor, long received) =>
        new(DataPlaneRefusal.Truncated, $"data plane: {descriptor} from {Peer} was cut after {received} of {descriptor.ByteLength} bytes: the peer closed the connection or died mid-transfer; nothing of it is applied");

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; with <paramref name="stall"/>, a peer silent for the stall timeout counts as gone.</summary>
    private async ValueTask<int> ReadAtLeastAsync(Memory<byte> buffer, bool stall, CancellationToken cancellation)
    {
        var total = 0;
        using var stalled = stall ? CancellationTokenSource.CreateLinkedTokenSource(cancellation) : null;
        try
        {
            while (total < buffer.Length)
            {
                stalled?.CancelAfter(options.StallTimeout);
                var read = await Stream.ReadAsync(buffer[total..], stalled?.Token ?? cancellation);
                if (read == 0) break;
                total += read;
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The peer went silent mid-frame: as good as gone.
        }
        catch (IOException)
        {
            // Reset by the peer (a killed process): what arrived so far is all there is.
        }
        return total;
    }

    public async ValueTask DisposeAsync() => await Stream.DisposeAsync();
}
