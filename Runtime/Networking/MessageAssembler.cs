using System.Buffers;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Networking;

/// <summary>
/// Collects the frames of one message as they leave the connection's receive buffers (which must be released frame
/// by frame, or a large message would stall the pipe). Bytes of the raw blocks the sender listed in the header
/// (<see cref="RawBlock"/>: tensors, float arrays) are copied straight into arrays of their element type, which the
/// deserializer then hands to the grain: one copy from the receive buffers to the final array. Other bytes are
/// copied into small arrays. The result is one <see cref="ReadOnlySequence{T}"/> over those pieces, never joined.
/// </summary>
internal sealed class MessageAssembler
{
    private readonly long _maxMessageSize;
    private Segment? _first;
    private Segment? _last;
    private List<(long Start, RawBlock Block)>? _plan;
    private int _nextBlock;
    private LandedArray? _landing;
    private long _landingStart;

    public MessageAssembler(long maxMessageSize) => _maxMessageSize = maxMessageSize;

    /// <summary>Bytes of the current message so far.</summary>
    public long Length { get; private set; }

    /// <summary>Appends one frame's payload (copied: the caller releases the receive buffer afterwards).</summary>
    public void Append(ReadOnlySequence<byte> bytes)
    {
        if (Length == 0) Plan(bytes);
        while (!bytes.IsEmpty)
        {
            if (_landing is not null)
            {
                var at = Length - _landingStart;
                var n = (int)Math.Min(bytes.Length, _landing.ByteLength - at);
                bytes.Slice(0, n).CopyTo(_landing.GetSpan().Slice((int)at, n));
                Length += n;
                bytes = bytes.Slice(n);
                if (Length - _landingStart == _landing.ByteLength) _landing = null;
                continue;
            }
            if (_plan is not null && _nextBlock < _plan.Count && _plan[_nextBlock].Start == Length)
            {
                var block = _plan[_nextBlock++].Block;
                _landing = new LandedArray(RawElements.Allocate(block.Element, block.Length), block.Length);
                _landingStart = Length;
                Add(_landing.Memory);
                continue;
            }
            var gap = bytes.Length;
            if (_plan is not null && _nextBlock < _plan.Count) gap = Math.Min(gap, _plan[_nextBlock].Start - Length);
            Add(bytes.Slice(0, gap).ToArray());
            Length += gap;
            bytes = bytes.Slice(gap);
        }
    }

    /// <summary>The complete message; resets for the next one. Throws when a listed block was not filled.</summary>
    public ReadOnlySequence<byte> Build()
    {
        var complete = _landing is null && (_plan is null || _nextBlock == _plan.Count);
        var result = _first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, 0, _last!, _last!.Memory.Length);
        _first = _last = null;
        _plan = null;
        _landing = null;
        _nextBlock = 0;
        Length = 0;
        if (!complete) throw new ProtocolViolationException(RejectReason.Malformed, "message ended inside a raw block its header listed");
        return result;
    }

    private void Plan(ReadOnlySequence<byte> firstFrame)
    {
        if (!MessageCodec.TryReadLandingPlan(firstFrame, out var bodyOffset, out var blocks)) return;
        var plan = new List<(long, RawBlock)>(blocks.Count);
        foreach (var block in blocks)
        {
            var start = bodyOffset + block.Offset;
            if (start + block.Length > _maxMessageSize) break; // the size check refuses such a message anyway
            plan.Add((start, block));
        }
        _plan = plan.Count > 0 ? plan : null;
    }

    private void Add(ReadOnlyMemory<byte> memory)
    {
        var segment = new Segment(memory, _last is null ? 0 : _last.RunningIndex + _last.Memory.Length);
        if (_last is null) _first = segment;
        else _last.SetNext(segment);
        _last = segment;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
