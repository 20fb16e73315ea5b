using System.Buffers;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Tests.Serialization;

[GenerateSerializer]
public sealed class PointV1
{
    [Id(1)] public int X { get; set; }
}

[GenerateSerializer]
public sealed class PointV2
{
    [Id(1)] public int X { get; set; }
    [Id(2)] public string Label { get; set; } = "default";
    [Id(3)] public float[] Weights { get; set; } = [];
}

public sealed class SerializationTests
{
    private static readonly CodecProvider Codecs = new(new GrainReferenceFactory(new GrainInterfaceRegistry(), null!));

    private static ReadOnlySequence<byte> Write(Type type, object value)
    {
        var payload = new SerializedPayload();
        Codecs.WriteField(new WireWriter(payload), 1, type, value);
        return new ReadOnlySequence<byte>(payload.Pieces.SelectMany(p => p.ToArray()).ToArray());
    }

    private static object? Read(Type type, ReadOnlySequence<byte> bytes)
    {
        var reader = new WireReader(bytes);
        var (_, wireType) = reader.ReadTag();
        return Codecs.ReadValue(reader, wireType, type);
    }

    [Fact]
    public void An_older_peer_skips_fields_it_does_not_know_and_a_newer_one_keeps_defaults()
    {
        var newer = new PointV2 { X = 7, Label = "seven", Weights = [1f, 2f] };
        var old = (PointV1)Read(typeof(PointV1), Write(typeof(PointV2), newer))!;
        Assert.Equal(7, old.X);

        var upgraded = (PointV2)Read(typeof(PointV2), Write(typeof(PointV1), new PointV1 { X = 3 }))!;
        Assert.Equal(3, upgraded.X);
        Assert.Equal("default", upgraded.Label);
    }

    [Fact]
    public void Float_arrays_travel_as_raw_little_endian_bytes_referenced_not_copied()
    {
        var data = new float[100_000];
        for (var i = 0; i < data.Length; i++) data[i] = i;
        var payload = new SerializedPayload();
        Codecs.WriteField(new WireWriter(payload), 1, typeof(float[]), data);
        Assert.Equal(data.Length * 4 + 1 + 3, payload.Length); // tag + varint length + raw bytes
        var big = payload.Pieces.Single(p => p.Length == data.Length * 4);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(big, out _)); // a view of the array
        Assert.Equal(data, (float[])Read(typeof(float[]), new ReadOnlySequence<byte>(payload.Pieces.SelectMany(p => p.ToArray()).ToArray()))!);
    }

    [Theory]
    [InlineData(new byte[] { 0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })] // length beyond the data
    [InlineData(new byte[] { 0x0F })]                               // unknown wire type 7
    [InlineData(new byte[] { 0x08, 0x80, 0x80, 0x80 })]             // truncated varint
    public void Malformed_input_is_a_WireFormatException_never_a_crash(byte[] bytes)
    {
        Assert.Throws<WireFormatException>(() =>
        {
            var reader = new WireReader(new ReadOnlySequence<byte>(bytes));
            while (!reader.End)
            {
                var (_, wt) = reader.ReadTag();
                reader.Skip(wt);
            }
        });
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(new ReadOnlySequence<byte>(bytes)));
    }
}
