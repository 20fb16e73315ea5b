using System.Buffers;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Networking;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Tests.Networking;

/// <summary>Receiving a message frame by frame: raw blocks land in their final arrays, everything else is kept byte-exact.</summary>
public sealed class MessageAssemblerTests
{
    private static readonly CodecProvider Codecs = new(new GrainReferenceFactory(new GrainInterfaceRegistry(), null!));

    private static byte[] EncodeRequest(params (Type Type, object Value)[] args)
    {
        var body = new SerializedPayload();
        var writer = new WireWriter(body);
        for (var i = 0; i < args.Length; i++) Codecs.WriteField(writer, (uint)i + 1, args[i].Type, args[i].Value);
        var message = new Message { Id = 7, Direction = MessageDirection.Request, Target = new GrainId("t", "k"), InterfaceName = "I", MethodId = 1, OutgoingBody = body };
        return [.. MessageCodec.Encode(message).Pieces.SelectMany(p => p.ToArray())];
    }

    private static ReadOnlySequence<byte> Assemble(byte[] wire, int frameSize)
    {
        var assembler = new MessageAssembler(1L << 30);
        for (var at = 0; at < wire.Length; at += frameSize)
            assembler.Append(new ReadOnlySequence<byte>(wire, at, Math.Min(frameSize, wire.Length - at)));
        return assembler.Build();
    }

    private static object?[] ReadArgs(ReadOnlySequence<byte> body, params Type[] types)
    {
        var reader = new WireReader(body);
        var values = new object?[types.Length];
        while (!reader.End)
        {
            var (id, wt) = reader.ReadTag();
            values[id - 1] = Codecs.ReadValue(reader, wt, types[id - 1]);
        }
        return values;
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(1000)]     // frames that cut the header and the varints
    [InlineData(1 << 20)]  // the whole message in one frame
    public void Raw_blocks_land_in_their_final_arrays_and_the_rest_is_byte_exact(int frameSize)
    {
        var floats = Enumerable.Range(0, 50_000).Select(i => i * 0.5f).ToArray();
        var halves = Enumerable.Range(0, 40_000).Select(i => (Half)(i % 100)).ToArray();
        var wire = EncodeRequest((typeof(string), "before"), (typeof(float[]), floats), (typeof(int), 42), (typeof(Half[]), halves), (typeof(string), "after"));

        var sequence = Assemble(wire, frameSize);
        Assert.Equal(wire, sequence.ToArray());
        var message = MessageCodec.Decode(sequence);
        Assert.Equal(2, message.IncomingRawBlocks!.Count);
        var args = ReadArgs(message.IncomingBody, typeof(string), typeof(float[]), typeof(int), typeof(Half[]), typeof(string));
        Assert.Equal("before", args[0]);
        Assert.Equal(floats, (float[])args[1]!);
        Assert.Equal(42, args[2]);
        Assert.Equal(halves, (Half[])args[3]!);
        Assert.Equal("after", args[4]);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(
            SliceOf(message.IncomingBody, floats.Length * 4), out _), "the float block is one landed segment");
        var again = ReadArgs(message.IncomingBody, typeof(string), typeof(float[]), typeof(int), typeof(Half[]), typeof(string));
        Assert.NotSame(args[1], again[1]); // the first read took the landed array; a second read copies
        Assert.Equal(floats, (float[])again[1]!);
    }

    private static ReadOnlyMemory<byte> SliceOf(ReadOnlySequence<byte> body, int length)
    {
        foreach (var segment in body)
            if (segment.Length == length) return segment;
        return ReadOnlyMemory<byte>.Empty;
    }

    [Fact]
    public void A_landed_block_read_as_another_element_type_is_copied_not_reinterpreted_in_place()
    {
        var ints = Enumerable.Range(0, 20_000).ToArray();
        var message = MessageCodec.Decode(Assemble(EncodeRequest((typeof(int[]), ints)), 4096));
        var asUInts = (uint[])ReadArgs(message.IncomingBody, typeof(uint[]))[0]!;
        Assert.Equal(typeof(uint[]), asUInts.GetType());
        Assert.Equal(ints.Select(i => (uint)i), asUInts);
    }

    [Fact]
    public void A_message_that_ends_inside_a_listed_block_is_refused()
    {
        var wire = EncodeRequest((typeof(float[]), new float[20_000]));
        var assembler = new MessageAssembler(1L << 30);
        assembler.Append(new ReadOnlySequence<byte>(wire, 0, wire.Length - 100));
        var e = Assert.Throws<ProtocolViolationException>(() => assembler.Build());
        Assert.Equal(RejectReason.Malformed, e.Reason);
        assembler.Append(new ReadOnlySequence<byte>(EncodeRequest((typeof(int), 1)))); // usable again for the next message
        Assert.Equal(1, ReadArgs(MessageCodec.Decode(assembler.Build()).IncomingBody, typeof(int))[0]);
    }
}
