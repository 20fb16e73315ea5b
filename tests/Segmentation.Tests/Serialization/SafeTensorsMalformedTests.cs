using TorchSharp;
using static TorchSharp.torch;
using System.Buffers.Binary;
using System.Text;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

public class SafeTensorsMalformedTests
{
    private const string GoodHeader = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    [Theory]
    [InlineData("empty file", "truncated")]
    [InlineData("short length prefix", "truncated")]
    [InlineData("header length past the end", "truncated")]
    [InlineData("header length over the limit", "header too long")]
    [InlineData("data cut short", "out of range")]
    public void Truncated_or_bad_length_is_refused(string @case, string expectedProblem)
    {
        var good = Build(GoodHeader, new byte[8]);
        var bytes = @case switch
        {
            "empty file" => [],
            "short length prefix" => good[..5],
            "header length past the end" => WithLength(good, (ulong)good.Length),
            "header length over the limit" => WithLength(good, 200_000_000),
            "data cut short" => good[..^3],
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };
        AssertRefused(bytes, expectedProblem);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", "not valid JSON")]
    [InlineData("""[1, 2]""", "expected an object")]
    [InlineData("""{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}""", "unknown dtype 'F33'")]
    [InlineData("""{"a":{"dtype":"U16","shape":[4],"data_offsets":[0,8]}}""", "unsupported dtype 'U16'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "out of range")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "needs 12")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "hole")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "belong to none")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "begin <= end")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "non-negative integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", "needs \"dtype\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}""", "unexpected field 'extra'")]
    [InlineData("""{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "expected a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "twice")]
    public void Bad_header_is_refused(string header, string expectedProblem) =>
        AssertRefused(Build(header, new byte[8]), expectedProblem);

    [Fact]
    public void Valid_file_built_by_hand_is_accepted()
    {
        using var dir = new TempDirectory();
        var path = dir.File("ok.safetensors");
        File.WriteAllBytes(path, Build(GoodHeader, new byte[8]));

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(8, reader.Find("a")!.ByteLength);
    }

    private static void AssertRefused(byte[] bytes, string expectedProblem)
    {
        using var dir = new TempDirectory();
        var path = dir.File("malformed.safetensors");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<TensorFileException>(() => SafeTensorsReader.Open(path));
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expectedProblem, e.Message);
    }

    private static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] WithLength(byte[] file, ulong headerLength)
    {
        var copy = file.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, headerLength);
        return copy;
    }
}
