using System.Buffers;

namespace U2PL.Runtime.Networking;

/// <summary>Collects the chunks of a message into one <see cref="ReadOnlySequence{T}"/> without joining them.</summary>
internal sealed class SequenceBuilder
{
    private Segment? _first;
    private Segment? _last;

    public long Length { get; private set; }

    public void Append(ReadOnlySequence<byte> bytes)
    {
        var copy = bytes.ToArray();
        var segment = new Segment(copy);
        if (_last is null) _first = segment;
        else _last.SetNext(segment);
        _last = segment;
        Length += copy.Length;
    }

    public ReadOnlySequence<byte> Build()
    {
        if (_first is null) return ReadOnlySequence<byte>.Empty;
        var result = new ReadOnlySequence<byte>(_first, 0, _last!, _last!.Memory.Length);
        _first = _last = null;
        Length = 0;
        return result;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public void SetNext(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
