namespace U2PL.CheckpointStore.Bench;

/// <summary>
/// A read-only stream of <paramref name="length"/> bytes that repeats one random 8 MiB pattern, so that producing the
/// content costs next to nothing and neither the producer nor the store under test holds it.
/// </summary>
internal sealed class RepeatingStream(long length, int seed) : Stream
{
    private readonly byte[] _pattern = Pattern(seed);
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        for (var done = 0; done < count;)
        {
            var from = (int)((_position + done) % _pattern.Length);
            var take = Math.Min(count - done, _pattern.Length - from);
            _pattern.AsSpan(from, take).CopyTo(buffer[done..]);
            done += take;
        }
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static byte[] Pattern(int seed)
    {
        var pattern = new byte[8 << 20];
        new Random(seed).NextBytes(pattern);
        return pattern;
    }
}

/// <summary>A write-only stream that keeps only the count of what was written to it.</summary>
internal sealed class CountingSink : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;

    public override void Write(byte[] buffer, int offset, int count) => Written += count;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Written += buffer.Length;
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
