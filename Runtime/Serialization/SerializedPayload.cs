using System.Buffers;

namespace U2PL.Runtime.Serialization;

/// <summary>
/// The serialized form of a message as a list of pieces: small values are written into growing buffers, large raw
/// blocks (tensors, float arrays) are referenced in place, not copied. The transport copies each piece once, straight
/// into the connection's pipe, in chunks: a large payload is never buffered twice.
/// </summary>
public sealed class SerializedPayload : IBufferWriter<byte>
{
    /// <summary>Blocks at least this large are referenced rather than copied when written.</summary>
    public const int ExternalThreshold = 32 * 1024;

    private readonly List<ReadOnlyMemory<byte>> _pieces = [];
    private List<RawBlock>? _rawBlocks;
    private byte[] _buffer;
    private int _start;
    private int _written;

    /// <summary>Creates an empty payload.</summary>
    public SerializedPayload(int initialCapacity = 256) => _buffer = new byte[initialCapacity];

    /// <summary>Total length in bytes.</summary>
    public long Length { get; private set; }

    /// <summary>The pieces in order; call after writing is complete.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Pieces
    {
        get
        {
            Seal();
            return _pieces;
        }
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        _written += count;
        Length += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Appends a block without copying it; the block must stay unchanged until the message is sent.</summary>
    public void AppendExternal(ReadOnlyMemory<byte> block)
    {
        Seal();
        _pieces.Add(block);
        Length += block.Length;
    }

    /// <summary>The large raw arrays appended with <see cref="AppendRawBlock"/>, offsets from the start of this payload.</summary>
    public IReadOnlyList<RawBlock> RawBlocks => (IReadOnlyList<RawBlock>?)_rawBlocks ?? [];

    /// <summary>Appends a raw array's bytes without copying and records where it is (see <see cref="RawBlock"/>).</summary>
    public void AppendRawBlock(ReadOnlyMemory<byte> block, RawElement element)
    {
        Seal();
        (_rawBlocks ??= []).Add(new RawBlock(Length, block.Length, element));
        _pieces.Add(block);
        Length += block.Length;
    }

    /// <summary>Appends the pieces of another payload (a forwarded body) without copying.</summary>
    public void AppendSequence(System.Buffers.ReadOnlySequence<byte> sequence)
    {
        Seal();
        foreach (var segment in sequence)
        {
            if (segment.IsEmpty) continue;
            _pieces.Add(segment);
            Length += segment.Length;
        }
    }

    private void Seal()
    {
        if (_written > _start)
        {
            _pieces.Add(_buffer.AsMemory(_start, _written - _start));
            _start = _written;
        }
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 16);
        if (_buffer.Length - _written >= sizeHint) return;
        Seal();
        _buffer = new byte[Math.Max(sizeHint, Math.Min(Math.Max(_buffer.Length * 2, 256), 1 << 20))];
        _start = 0;
        _written = 0;
    }
}
