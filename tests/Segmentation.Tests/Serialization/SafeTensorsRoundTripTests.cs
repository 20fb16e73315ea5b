using TorchSharp;
using static TorchSharp.torch;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

public class SafeTensorsRoundTripTests
{
    [Fact]
    public void All_dtypes_round_trip_with_metadata()
    {
        using var dir = new TempDirectory();
        var path = dir.File("all.safetensors");
        var samples = SampleTensors.AllDTypes();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3", ["ünïcode"] = "✓" };

        SafeTensorsWriter.Write(path, samples.Select(SampleTensors.ToSource).ToList(), metadata);

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(metadata, reader.Metadata);
        Assert.Equal(samples.Select(s => s.Name), reader.Entries.Select(e => e.Name));
        foreach (var sample in samples)
        {
            var entry = reader.Find(sample.Name)!;
            Assert.Equal(sample.DType, entry.DType);
            Assert.Equal(sample.Shape, entry.Shape);
            var bytes = reader.ReadBytes(sample.Name);
            Assert.Equal(sample.Bytes, bytes);
            Assert.Equal(sample.Values, Fixtures.Decode(sample.DType, bytes));
        }
    }

    [Fact]
    public void Header_is_padded_with_spaces_to_a_multiple_of_8()
    {
        using var dir = new TempDirectory();
        var path = dir.File("padded.safetensors");
        SafeTensorsWriter.Write(path, [TensorSource.FromBytes("odd_name_x", ScalarType.Byte, [1], new byte[] { 9 })]);

        var file = File.ReadAllBytes(path);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 1, file.Length);
        Assert.Equal((byte)'}', file.AsSpan(8, (int)headerLength).TrimEnd((byte)' ')[^1]);
        Assert.Equal(9, file[^1]);
    }

    [Fact]
    public void Streaming_writer_reads_back_into_a_caller_span()
    {
        using var dir = new TempDirectory();
        var path = dir.File("streamed.safetensors");
        var values = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
        var source = TensorSource.FromWriter("big", ScalarType.Float32, [10, 100], stream =>
        {
            // As from native memory: in several pieces.
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            stream.Write(bytes[..1000]);
            stream.Write(bytes[1000..]);
        });

        SafeTensorsWriter.Write(path, [source]);

        using var reader = SafeTensorsReader.Open(path);
        var read = new float[1000];
        reader.ReadInto("big", MemoryMarshal.AsBytes(read.AsSpan()));
        Assert.Equal(values, read);
    }

    [Fact]
    public void Python_written_file_reads_back_exact_values()
    {
        using var reader = SafeTensorsReader.Open(Fixtures.PathOf("python_written.safetensors"));
        var expected = Fixtures.Expected("python_written.safetensors");

        Fixtures.AssertTensorsMatch(reader, expected.GetProperty("tensors"));
        Assert.Equal("safetensors_spec.py", reader.Metadata["written_by"]);
    }

    [Fact]
    public void Writer_refuses_duplicate_and_reserved_names_and_wrong_sizes()
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.safetensors");
        var one = TensorSource.FromBytes("a", ScalarType.Byte, [1], new byte[1]);

        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [one, one]));
        Assert.Throws<ArgumentException>(() =>
            SafeTensorsWriter.Write(path, [TensorSource.FromBytes("__metadata__", ScalarType.Byte, [1], new byte[1])]));
        Assert.Throws<ArgumentException>(() => TensorSource.FromBytes("a", ScalarType.Float32, [2], new byte[4]));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
