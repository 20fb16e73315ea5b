using System.Runtime.InteropServices;
using U2PL.Segmentation.Training;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace U2PL.Grains.Model;

/// <summary>
/// float32 values in the bytes of <c>cluster.wire</c>: raw, IEEE float16 (TensorPrimitives) or bfloat16. bfloat16 is
/// hand-written (the BCL converts to it nowhere we can use): the upper 16 bits of the float32, rounded to nearest even,
/// NaN kept a NaN — what PyTorch's <c>.to(torch.bfloat16)</c> does (tests/Grains.Tests/goldens/make_wire_goldens.py).
/// </summary>
public static class WireCodec
{
    public static int BytesPerValue(WirePrecision wire) => wire == WirePrecision.Fp32 ? sizeof(float) : 2;

    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination, WirePrecision wire)
    {
        switch (wire)
        {
            case WirePrecision.Fp32:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                break;
            case WirePrecision.Fp16:
                TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            default:
                var bits = MemoryMarshal.Cast<float, uint>(values);
                var halves = MemoryMarshal.Cast<byte, ushort>(destination);
                for (var i = 0; i < bits.Length; i++) halves[i] = ToBFloat16(bits[i]);
                break;
        }
    }

    public static void Decode(ReadOnlySpan<byte> source, Span<float> values, WirePrecision wire)
    {
        switch (wire)
        {
            case WirePrecision.Fp32:
                source.CopyTo(MemoryMarshal.AsBytes(values));
                break;
            case WirePrecision.Fp16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), values);
                break;
            default:
                var halves = MemoryMarshal.Cast<byte, ushort>(source);
                var bits = MemoryMarshal.Cast<float, uint>(values);
                for (var i = 0; i < halves.Length; i++) bits[i] = (uint)halves[i] << 16;
                break;
        }
    }

    private static ushort ToBFloat16(uint bits) =>
        (bits & 0x7FFF_FFFF) > 0x7F80_0000
            ? (ushort)((bits >> 16) | 0x0040) // a NaN stays a (quiet) NaN
            : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}
