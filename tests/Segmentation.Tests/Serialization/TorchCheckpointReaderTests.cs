using TorchSharp;
using static TorchSharp.torch;
using System.Text.Json;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

public class TorchCheckpointReaderTests
{
    [Theory]
    [InlineData("plain_dict.pth")]
    [InlineData("state_dict.pth")]
    [InlineData("views.pth")]
    [InlineData("nested.pth")]
    [InlineData("protocol4.pth")]
    [InlineData("byteorder_little.pth")]
    [InlineData("byteorder_big.pth")]
    public void Fixture_reads_back_exact_values(string fileName)
    {
        using var reader = TorchCheckpointReader.Open(Fixtures.PathOf(fileName));
        var expected = Fixtures.Expected(fileName);

        Fixtures.AssertTensorsMatch(reader, expected.GetProperty("tensors"));
        AssertValuesMatch(reader.Values, expected.GetProperty("values"));
    }

    [Fact]
    public void State_dict_keeps_module_names_and_int64_batch_counter()
    {
        using var reader = TorchCheckpointReader.Open(Fixtures.PathOf("state_dict.pth"));

        Assert.Equal(
            ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"],
            reader.Entries.Select(e => e.Name));
        var counter = reader.Find("bn.num_batches_tracked")!;
        Assert.Equal(ScalarType.Int64, counter.DType);
        Assert.Empty(counter.Shape);
        Assert.Equal(1L, BitConverter.ToInt64(reader.ReadBytes(counter.Name)));
    }

    [Fact]
    public void Nested_checkpoint_is_flattened_with_dots()
    {
        using var reader = TorchCheckpointReader.Open(Fixtures.PathOf("nested.pth"));

        Assert.NotNull(reader.Find("state_dict.conv.weight"));
        Assert.NotNull(reader.Find("params.0"));
        Assert.Equal(3L, reader.Values["epoch"]);
        Assert.Equal(0.625, reader.Values["best_miou"]);
        Assert.Equal("deeplabv3+", reader.Values["arch"]);
        Assert.Equal(false, reader.Values["finished"]);
        Assert.Null(reader.Values["note"]);
    }

    [Fact]
    public void Views_read_into_a_caller_span()
    {
        using var reader = TorchCheckpointReader.Open(Fixtures.PathOf("views.pth"));
        var entry = reader.Find("transposed")!;
        Span<float> values = stackalloc float[6];

        reader.ReadInto(entry.Name, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], values.ToArray());
        Assert.Throws<ArgumentException>(() => reader.ReadInto(entry.Name, new byte[4]));
        Assert.Throws<KeyNotFoundException>(() => reader.ReadBytes("missing"));
    }

    [Fact]
    public void Legacy_format_is_refused_by_name()
    {
        var path = Fixtures.PathOf("legacy.pth");
        var e = Assert.Throws<TensorFileException>(() => TorchCheckpointReader.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("legacy", e.Message);
    }

    [Fact]
    public void Unknown_global_is_refused_by_name()
    {
        var path = Fixtures.PathOf("unknown_global.pth");
        var e = Assert.Throws<TensorFileException>(() => TorchCheckpointReader.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("argparse.Namespace", e.Message);
    }

    [Fact]
    public void Safetensors_file_is_not_a_checkpoint()
    {
        var path = Fixtures.PathOf("python_written.safetensors");
        var e = Assert.Throws<TensorFileException>(() => TorchCheckpointReader.Open(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Missing_storage_record_is_named()
    {
        using var dir = new TempDirectory();
        var path = dir.File("broken.pth");
        File.Copy(Fixtures.PathOf("state_dict.pth"), path);
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
            zip.GetEntry("state_dict/data/3")!.Delete();

        var e = Assert.Throws<TensorFileException>(() => TorchCheckpointReader.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("state_dict/data/3", e.Message);
    }

    [Fact]
    public void Zip_without_a_pickle_is_refused()
    {
        using var dir = new TempDirectory();
        var path = dir.File("other.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
            zip.CreateEntry("readme.txt");

        var e = Assert.Throws<TensorFileException>(() => TorchCheckpointReader.Open(path));
        Assert.Contains("data.pkl", e.Message);
    }

    [Theory]
    [InlineData("nested.pth", typeof(TorchCheckpointReader))]
    [InlineData("python_written.safetensors", typeof(SafeTensorsReader))]
    public void TensorFile_picks_the_reader_by_content(string fileName, Type readerType)
    {
        using var reader = TensorFile.Open(Fixtures.PathOf(fileName));
        Assert.IsType(readerType, reader);
    }

    private static void AssertValuesMatch(IReadOnlyDictionary<string, object?> values, JsonElement expected)
    {
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(), values.Keys.Order());
        foreach (var property in expected.EnumerateObject())
        {
            object? want = property.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number when property.Value.TryGetInt64(out var l) && !property.Value.GetRawText().Contains('.') => l,
                _ => property.Value.GetDouble(),
            };
            Assert.Equal(want, values[property.Name]);
        }
    }
}
