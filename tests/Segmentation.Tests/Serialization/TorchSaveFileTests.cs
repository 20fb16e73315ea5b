using TorchSharp;
using static TorchSharp.torch;
using System.Text.Json;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

public class TorchSaveFileTests
{
    [Theory]
    [InlineData("plain_dict.pth")]
    [InlineData("state_dict.pth")]
    [InlineData("protocol4.pth")]
    [InlineData("byteorder_little.pth")]
    [InlineData("byteorder_big.pth")]
    public void Fixture_reads_back_exact_values(string fileName)
    {
        using var file = TorchSaveFile.Read(Fixtures.PathOf(fileName));
        var expected = Fixtures.Expected(fileName);

        Fixtures.AssertTensorsMatch(file.Tensors, expected.GetProperty("tensors"));
        AssertValuesMatch(file.Values, expected.GetProperty("values"));
    }

    [Fact]
    public void State_dict_keeps_module_names_and_int64_batch_counter()
    {
        using var file = TorchSaveFile.Read(Fixtures.PathOf("state_dict.pth"));

        Assert.Equal(
            new[] { "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked" }.Order(),
            file.Tensors.Keys.Order());
        var counter = file.Tensors["bn.num_batches_tracked"];
        Assert.Equal(ScalarType.Int64, counter.dtype);
        Assert.Empty(counter.shape);
        Assert.Equal(1L, counter.ToInt64());
    }

    [Fact]
    public void Training_checkpoint_is_flattened_with_dots()
    {
        using var dir = new TempDirectory();
        var path = dir.File("checkpoint.pth");
        Python.Run($"import torch; torch.save({{'state_dict': {{'module.conv.weight': torch.arange(6.).reshape(2, 3)}}, 'epoch': 3, "
            + $"'best_miou': 0.625, 'arch': 'deeplabv3+', 'finished': False, 'note': None, 'steps': [torch.tensor([1., -1.]), 7]}}, '{path}')");

        using var file = TorchSaveFile.Read(path);

        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], file.Tensors["state_dict.module.conv.weight"].data<float>().ToArray());
        Assert.Equal([1f, -1f], file.Tensors["steps.0"].data<float>().ToArray());
        Assert.Equal(3L, file.Values["epoch"]);
        Assert.Equal(7L, file.Values["steps.1"]);
        Assert.Equal(0.625, file.Values["best_miou"]);
        Assert.Equal("deeplabv3+", file.Values["arch"]);
        Assert.Equal(false, file.Values["finished"]);
        Assert.Null(file.Values["note"]);
    }

    [Fact]
    public void Views_are_refused_naming_why()
    {
        var path = Fixtures.PathOf("views.pth");
        var e = Assert.Throws<TensorFileException>(() => TorchSaveFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("view", e.Message);
    }

    [Fact]
    public void Parameters_are_refused_as_not_a_state_dict()
    {
        var path = Fixtures.PathOf("nested.pth");
        var e = Assert.Throws<TensorFileException>(() => TorchSaveFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("state_dict()", e.Message);
    }

    [Fact]
    public void Legacy_format_is_refused_by_name()
    {
        var path = Fixtures.PathOf("legacy.pth");
        var e = Assert.Throws<TensorFileException>(() => TorchSaveFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("legacy", e.Message);
    }

    [Fact]
    public void Unknown_global_is_refused_by_name()
    {
        var path = Fixtures.PathOf("unknown_global.pth");
        var e = Assert.Throws<TensorFileException>(() => TorchSaveFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("argparse.Namespace", e.Message);
    }

    [Fact]
    public void Safetensors_file_is_not_a_checkpoint()
    {
        var path = Fixtures.PathOf("python_written.safetensors");
        var e = Assert.Throws<TensorFileException>(() => TorchSaveFile.Read(path));
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

        var e = Assert.Throws<TensorFileException>(() => TorchSaveFile.Read(path));
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

        var e = Assert.Throws<TensorFileException>(() => TorchSaveFile.Read(path));
        Assert.Contains("data.pkl", e.Message);
    }

    [Theory]
    [InlineData("nested.pth", true)]
    [InlineData("legacy.pth", true)]
    [InlineData("python_written.safetensors", false)]
    public void IsTorchSave_tells_the_formats_apart_by_content(string fileName, bool torchSave)
    {
        Assert.Equal(torchSave, TorchSaveFile.IsTorchSave(Fixtures.PathOf(fileName)));
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
