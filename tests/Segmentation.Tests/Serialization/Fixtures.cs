using TorchSharp;
using static TorchSharp.torch;
using System.Buffers.Binary;
using System.Text.Json;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

/// <summary>Paths of the committed fixtures and exact comparison of tensor bytes with expected.json.</summary>
internal static class Fixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Serialization", "fixtures");

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static JsonElement Expected(string fileName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("expected.json")));
        return doc.RootElement.GetProperty(fileName).Clone();
    }

    /// <summary>Asserts that every tensor in <paramref name="expected"/> reads back with the same dtype, shape and values, and no others exist.</summary>
    public static void AssertTensorsMatch(ITensorFileReader reader, JsonElement expected)
    {
        var names = expected.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(names, reader.Entries.Select(e => e.Name).ToArray());
        foreach (var property in expected.EnumerateObject())
        {
            var entry = reader.Find(property.Name)!;
            Assert.Equal(property.Value.GetProperty("dtype").GetString(), entry.DType.ToString());
            Assert.Equal(property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), entry.Shape);
            var bytes = reader.ReadBytes(property.Name);
            Assert.Equal(entry.ByteLength, bytes.Length);
            var want = property.Value.GetProperty("values").EnumerateArray().ToArray();
            var got = Decode(entry.DType, bytes);
            Assert.Equal(want.Length, got.Length);
            for (var i = 0; i < want.Length; i++)
                Assert.True(Same(want[i], got[i]), $"{property.Name}[{i}]: expected {want[i].GetRawText()}, read {got[i]}");
        }
    }

    /// <summary>The same for tensors read whole (a <c>torch.save</c> file), whose order is not kept: names compared as sets.</summary>
    public static void AssertTensorsMatch(IReadOnlyDictionary<string, Tensor> tensors, JsonElement expected)
    {
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(), tensors.Keys.Order());
        foreach (var property in expected.EnumerateObject())
        {
            var tensor = tensors[property.Name];
            Assert.Equal(property.Value.GetProperty("dtype").GetString(), tensor.dtype.ToString());
            Assert.Equal(property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), tensor.shape);
            var want = property.Value.GetProperty("values").EnumerateArray().ToArray();
            var got = Decode(tensor.dtype, tensor.bytes);
            Assert.Equal(want.Length, got.Length);
            for (var i = 0; i < want.Length; i++)
                Assert.True(Same(want[i], got[i]), $"{property.Name}[{i}]: expected {want[i].GetRawText()}, read {got[i]}");
        }
    }

    /// <summary>Element values of little-endian bytes: double for floating types, long for integers, bool for Bool.</summary>
    public static object[] Decode(ScalarType dtype, ReadOnlySpan<byte> bytes)
    {
        var size = dtype.ElementSize();
        var values = new object[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            var e = bytes.Slice(i * size, size);
            values[i] = dtype switch
            {
                ScalarType.Float32 => (double)BinaryPrimitives.ReadSingleLittleEndian(e),
                ScalarType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(e),
                ScalarType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(e),
                ScalarType.BFloat16 => (double)BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e) << 16),
                ScalarType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(e),
                ScalarType.Int32 => (long)BinaryPrimitives.ReadInt32LittleEndian(e),
                ScalarType.Int16 => (long)BinaryPrimitives.ReadInt16LittleEndian(e),
                ScalarType.Int8 => (long)(sbyte)e[0],
                ScalarType.Byte => (long)e[0],
                ScalarType.Bool => e[0] switch { 0 => false, 1 => true, var b => throw new InvalidDataException($"bool byte {b}") },
                _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
            };
        }
        return values;
    }

    private static bool Same(JsonElement want, object got) => got switch
    {
        double d => want.GetDouble().Equals(d),
        long l => want.TryGetInt64(out var w) && w == l,
        bool b => want.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
        _ => false,
    };
}
