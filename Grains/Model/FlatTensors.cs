using System.Runtime.InteropServices;
using U2PL.Contracts;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Model;

/// <summary>Copies between model tensors and the flat arrays of a shard's layout (float32 or float16 on the wire).</summary>
public static class FlatTensors
{
    /// <summary>Copies each tensor of <paramref name="entries"/> (found by name) into one flat float array.</summary>
    public static float[] Gather(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor?> tensor, long length)
    {
        var flat = new float[length];
        GatherInto(entries, tensor, flat);
        return flat;
    }

    /// <summary><see cref="Gather"/> into memory the caller owns (a body that travels).</summary>
    public static void GatherInto(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor?> tensor, Span<float> flat)
    {
        foreach (var entry in entries)
        {
            var source = tensor(entry.Name);
            if (source is not null)
            {
                CopyOut(source, flat.Slice((int)entry.Offset, (int)entry.Length));
            }
        }
    }

    public static long[] GatherCounters(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor> tensor, long length)
    {
        var flat = new long[length];
        foreach (var entry in entries)
        {
            flat[entry.Offset] = tensor(entry.Name).item_long();
        }
        return flat;
    }

    /// <summary>Writes the flat array's slices into the tensors (any device).</summary>
    public static void Scatter(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor> tensor, ReadOnlySpan<float> flat)
    {
        foreach (var entry in entries)
        {
            CopyIn(tensor(entry.Name), flat.Slice((int)entry.Offset, (int)entry.Length));
        }
    }

    public static void ScatterCounters(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor> tensor, ReadOnlySpan<long> flat)
    {
        foreach (var entry in entries)
        {
            using var value = flat.Slice((int)entry.Offset, 1).ToTensor();
            tensor(entry.Name).copy_(value);
        }
    }

    public static void CopyOut(Tensor source, Span<float> destination)
    {
        if (source.device_type == DeviceType.CPU && source.is_contiguous() && source.dtype == ScalarType.Float32)
        {
            source.AsSpan<float>().CopyTo(destination);
            return;
        }
        using var local = source.cpu().to(ScalarType.Float32).contiguous();
        local.AsSpan<float>().CopyTo(destination);
    }

    public static void CopyIn(Tensor target, ReadOnlySpan<float> source)
    {
        if (target.device_type == DeviceType.CPU && target.is_contiguous() && target.dtype == ScalarType.Float32)
        {
            source.CopyTo(target.AsSpan<float>());
            return;
        }
        using var staged = source.ToTensor(target.shape);
        using var _ = torch.no_grad();
        target.copy_(staged);
    }

    /// <summary>
    /// <see cref="Gather"/> straight into the bytes that travel: float32 needs no second copy of the array (a shard's
    /// student is 86 MB for ResNet-18, pulled every step).
    /// </summary>
    public static PackedTensors GatherPacked(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor?> tensor, long length, WirePrecision wire)
    {
        var bytes = new byte[checked(length * WireCodec.BytesPerValue(wire))];
        GatherEncoded(entries, tensor, length, bytes, wire);
        return new PackedTensors { Bytes = bytes, Half = wire == WirePrecision.Fp16, BFloat16 = wire == WirePrecision.Bf16 };
    }

    /// <summary>The tensors, flattened, into <paramref name="destination"/> (length × the wire's bytes a value) in the bytes of <paramref name="wire"/>.</summary>
    public static void GatherEncoded(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor?> tensor, long length, Span<byte> destination, WirePrecision wire)
    {
        if (wire == WirePrecision.Fp32)
        {
            GatherInto(entries, tensor, MemoryMarshal.Cast<byte, float>(destination));
            return;
        }
        WireCodec.Encode(Gather(entries, tensor, length), destination, wire);
    }

    /// <summary><see cref="Scatter"/> of a packed array; float32 is read in place.</summary>
    public static void ScatterPacked(IReadOnlyList<LayoutEntry> entries, Func<string, Tensor> tensor, PackedTensors packed) =>
        Scatter(entries, tensor, packed.IsFloat32 ? Floats(packed) : Unpack(packed));

    /// <summary>The float32 values of an unpacked (float32) array, without a copy.</summary>
    public static ReadOnlySpan<float> Floats(PackedTensors packed) => packed.IsFloat32
        ? MemoryMarshal.Cast<byte, float>(packed.Bytes.AsSpan())
        : throw new ArgumentException("the array travels as 16-bit values: unpack it");

    /// <summary>A float array as it travels (cluster.wire).</summary>
    public static PackedTensors Pack(ReadOnlySpan<float> values, WirePrecision wire)
    {
        var bytes = new byte[checked((long)values.Length * WireCodec.BytesPerValue(wire))];
        WireCodec.Encode(values, bytes, wire);
        return new PackedTensors { Bytes = bytes, Half = wire == WirePrecision.Fp16, BFloat16 = wire == WirePrecision.Bf16 };
    }

    public static PackedTensors Pack(ReadOnlySpan<float> values, bool half) => Pack(values, half ? WirePrecision.Fp16 : WirePrecision.Fp32);

    /// <summary>How a packed array's values travel.</summary>
    public static WirePrecision Precision(PackedTensors packed) =>
        packed.Half ? WirePrecision.Fp16 : packed.BFloat16 ? WirePrecision.Bf16 : WirePrecision.Fp32;

    /// <summary>The float32 values of a packed array.</summary>
    public static float[] Unpack(PackedTensors packed)
    {
        var values = new float[packed.Length];
        WireCodec.Decode(packed.Bytes, values, Precision(packed));
        return values;
    }
}
