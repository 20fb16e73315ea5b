using System.Runtime.InteropServices;
using System.Text.Json;
using U2PL.Grains.Model;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Tests;

/// <summary>cluster.wire's encodings against PyTorch's casts (goldens/make_wire_goldens.py, Debian's python3-torch).</summary>
public sealed class WireCodecTests
{
    private static readonly Dictionary<string, JsonElement> Golden =
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "goldens", "wire.json")))!;

    private static uint[] Bits(string key) => Golden[key].EnumerateArray().Select(e => e.GetUInt32()).ToArray();

    [Theory]
    [InlineData(WirePrecision.Fp32, "float32", 4)]
    [InlineData(WirePrecision.Fp16, "fp16", 2)]
    [InlineData(WirePrecision.Bf16, "bf16", 2)]
    public void A_round_trip_rounds_every_value_as_torch_casts_it(WirePrecision wire, string key, int bytesPerValue)
    {
        var values = MemoryMarshal.Cast<uint, float>(Bits("float32")).ToArray();

        var packed = FlatTensors.Pack(values, wire);
        var back = FlatTensors.Unpack(packed);

        Assert.Equal(values.Length * bytesPerValue, packed.Bytes.Length);
        Assert.Equal(values.Length, packed.Length);
        Assert.Equal(Bits(key), MemoryMarshal.Cast<float, uint>(back).ToArray());
    }

    [Fact]
    public void A_NaN_stays_a_NaN_in_bfloat16()
    {
        var nans = new[] { float.NaN, BitConverter.UInt32BitsToSingle(0x7F800001), BitConverter.UInt32BitsToSingle(0xFFFF_FFFF) };

        var back = FlatTensors.Unpack(FlatTensors.Pack(nans, WirePrecision.Bf16));

        Assert.All(back, v => Assert.True(float.IsNaN(v)));
    }
}
