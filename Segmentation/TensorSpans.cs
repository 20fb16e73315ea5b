using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation;

/// <summary>
/// A typed span over a tensor's memory. TorchSharp's <c>data&lt;T&gt;()</c> is an element-by-element accessor and its
/// <c>bytes</c> span is untyped; the data code reads and writes whole images and masks, so it needs <c>Span&lt;T&gt;</c>.
/// </summary>
public static class TensorSpans
{
    /// <summary>
    /// The elements of a contiguous CPU tensor, without a copy; valid while the tensor lives, and writing through it
    /// writes the tensor.
    /// </summary>
    public static Span<T> AsSpan<T>(this Tensor tensor) where T : unmanaged
    {
        if (tensor.device_type != DeviceType.CPU)
        {
            throw new InvalidOperationException($"tensor is on {tensor.device}: move it to the CPU first");
        }
        var expected = ElementType<T>();
        if (tensor.dtype != expected)
        {
            throw new InvalidOperationException($"tensor holds {tensor.dtype}, not {expected}");
        }
        if (!tensor.is_contiguous())
        {
            throw new InvalidOperationException("tensor is not contiguous: call contiguous() first");
        }
        return MemoryMarshal.Cast<byte, T>(tensor.bytes);
    }

    /// <summary>The elements copied into a new array (moved to the CPU and made contiguous as needed).</summary>
    public static T[] ToArray<T>(this Tensor tensor) where T : unmanaged
    {
        if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous())
        {
            return tensor.AsSpan<T>().ToArray();
        }
        using var local = tensor.cpu().contiguous();
        return local.AsSpan<T>().ToArray();
    }

    /// <summary>A new CPU tensor of <paramref name="shape"/> holding a copy of <paramref name="values"/>.</summary>
    public static Tensor ToTensor<T>(this ReadOnlySpan<T> values, params long[] shape) where T : unmanaged
    {
        var tensor = torch.empty(shape, ElementType<T>());
        if (tensor.numel() != values.Length)
        {
            tensor.Dispose();
            throw new ArgumentException($"{values.Length} values do not fill shape ({string.Join(", ", shape)})", nameof(values));
        }
        values.CopyTo(tensor.AsSpan<T>());
        return tensor;
    }

    /// <summary>A new CPU tensor of <paramref name="shape"/> holding a copy of <paramref name="values"/>.</summary>
    public static Tensor ToTensor<T>(this T[] values, params long[] shape) where T : unmanaged => ((ReadOnlySpan<T>)values).ToTensor(shape);

    /// <summary>A new CPU tensor of <paramref name="shape"/> holding a copy of <paramref name="values"/>.</summary>
    public static Tensor ToTensor<T>(this Span<T> values, params long[] shape) where T : unmanaged => ((ReadOnlySpan<T>)values).ToTensor(shape);

    private static ScalarType ElementType<T>() => typeof(T) switch
    {
        var t when t == typeof(float) => ScalarType.Float32,
        var t when t == typeof(double) => ScalarType.Float64,
        var t when t == typeof(Half) => ScalarType.Float16,
        var t when t == typeof(byte) => ScalarType.Byte,
        var t when t == typeof(sbyte) => ScalarType.Int8,
        var t when t == typeof(short) => ScalarType.Int16,
        var t when t == typeof(int) => ScalarType.Int32,
        var t when t == typeof(long) => ScalarType.Int64,
        var t when t == typeof(bool) => ScalarType.Bool,
        _ => throw new NotSupportedException($"no tensor element type for {typeof(T)}"),
    };
}
