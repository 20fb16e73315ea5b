using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

public class SafeTensorsWriterAtomicityTests
{
    [Fact]
    public void Writer_that_throws_midway_leaves_no_output_and_no_temp_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        TensorSource[] tensors =
        [
            TensorSource.FromBytes("first", ScalarType.Float32, [4], new byte[16]),
            TensorSource.FromWriter("second", ScalarType.Float32, [4], stream =>
            {
                stream.Write(new byte[8]);
                throw new IOException("device lost");
            }),
        ];

        var e = Assert.Throws<IOException>(() => SafeTensorsWriter.Write(path, tensors));

        Assert.Equal("device lost", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Failed_write_keeps_the_previous_file_intact()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        SafeTensorsWriter.Write(path, [TensorSource.FromBytes("w", ScalarType.Byte, [2], new byte[] { 1, 2 })]);
        var before = File.ReadAllBytes(path);

        Assert.Throws<InvalidOperationException>(() => SafeTensorsWriter.Write(path,
            [TensorSource.FromWriter("w", ScalarType.Byte, [2], stream => stream.Write(new byte[] { 3 }))]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Producer_writing_too_much_is_stopped_before_it_reaches_the_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");

        var e = Assert.Throws<InvalidOperationException>(() => SafeTensorsWriter.Write(path,
            [TensorSource.FromWriter("w", ScalarType.Byte, [2], stream => stream.Write(new byte[3]))]));

        Assert.Contains("'w'", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Successful_write_replaces_the_previous_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        SafeTensorsWriter.Write(path, [TensorSource.FromBytes("old", ScalarType.Byte, [1], new byte[] { 1 })]);

        SafeTensorsWriter.Write(path, [TensorSource.FromBytes("new", ScalarType.Byte, [1], new byte[] { 2 })]);

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(["new"], reader.Entries.Select(e => e.Name));
        Assert.Equal([path], Directory.GetFileSystemEntries(dir.Path));
    }
}
