using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public sealed partial class Tensor
{
    /// <summary>The single element of a one-element tensor, as a double.</summary>
    public double ToDouble()
    {
        var result = NativeMethods.THSTensor_item_double(Handle);
        Check();
        return result;
    }

    /// <summary>The single element of a one-element tensor, as an integer.</summary>
    public long ToInt64()
    {
        var result = NativeMethods.THSTensor_item_int64(Handle);
        Check();
        return result;
    }

    /// <summary>The single element, as a float.</summary>
    public float ToSingle() => (float)ToDouble();

    /// <summary>
    /// The elements of a contiguous CPU tensor as a span over its native memory (no copy). The span is valid while the
    /// tensor lives; writing through it writes the tensor.
    /// </summary>
    public unsafe Span<T> data<T>() where T : unmanaged
    {
        var expected = ElementTypes.Of<T>();
        if (dtype != expected)
        {
            throw new InvalidOperationException($"tensor holds {dtype}, not {expected}");
        }
        if (device.Type != DeviceType.CPU)
        {
            throw new InvalidOperationException($"tensor is on {device}: move it to the CPU first");
        }
        if (!is_contiguous())
        {
            throw new InvalidOperationException("tensor is not contiguous: call contiguous() first");
        }
        var pointer = NativeMethods.THSTensor_data_ptr(Handle);
        Check();
        return new Span<T>((void*)pointer, checked((int)numel()));
    }

    /// <summary>The raw bytes of a contiguous CPU tensor (no copy); valid while the tensor lives.</summary>
    public unsafe Span<byte> bytes()
    {
        if (device.Type != DeviceType.CPU || !is_contiguous())
        {
            throw new InvalidOperationException("bytes() needs a contiguous CPU tensor");
        }
        var pointer = NativeMethods.THSTensor_data_ptr(Handle);
        Check();
        return new Span<byte>((void*)pointer, checked((int)(numel() * dtype.ElementSize())));
    }

    /// <summary>Copies the elements into a new array (moving to the CPU and making contiguous as needed).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (device.Type == DeviceType.CPU && is_contiguous())
        {
            return data<T>().ToArray();
        }
        using var local = to(Device.CPU).contiguous();
        return local.data<T>().ToArray();
    }
}
