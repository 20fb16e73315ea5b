using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public sealed partial class Tensor
{
    /// <summary>Number of dimensions.</summary>
    public long dim()
    {
        var result = NativeMethods.THSTensor_ndimension(Handle);
        Check();
        return result;
    }

    /// <summary>Number of dimensions.</summary>
    public int ndim => (int)dim();

    /// <summary>The sizes of every dimension.</summary>
    public unsafe long[] shape
    {
        get
        {
            var sizes = new long[ndim];
            fixed (long* pointer = sizes)
            {
                NativeMethods.THSTensor_sizes(Handle, pointer);
            }
            Check();
            return sizes;
        }
    }

    /// <summary>The size of one dimension (negative counts from the end).</summary>
    public long size(long dimension)
    {
        var result = NativeMethods.THSTensor_size(Handle, dimension);
        Check();
        return result;
    }

    /// <summary>Total number of elements.</summary>
    public long numel()
    {
        var result = NativeMethods.THSTensor_numel(Handle);
        Check();
        return result;
    }

    /// <summary>The element type.</summary>
    public ScalarType dtype
    {
        get
        {
            var result = NativeMethods.THSTensor_type(Handle);
            Check();
            return (ScalarType)result;
        }
    }

    /// <summary>The device holding the data.</summary>
    public Device device
    {
        get
        {
            var type = NativeMethods.THSTensor_device_type(Handle);
            var index = NativeMethods.THSTensor_device_index(Handle);
            Check();
            return new Device((DeviceType)type, index);
        }
    }

    /// <summary>True when the elements are laid out densely in row-major order.</summary>
    public bool is_contiguous()
    {
        var result = NativeMethods.THSTensor_is_contiguous(Handle);
        Check();
        return result;
    }

    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool requires_grad
    {
        get
        {
            var result = NativeMethods.THSTensor_requires_grad(Handle);
            Check();
            return result;
        }
        set
        {
            NativeMethods.THSTensor_set_requires_grad(Handle, value);
            Check();
        }
    }

    /// <summary>Sets <see cref="requires_grad"/> and returns this tensor.</summary>
    public Tensor requires_grad_(bool requiresGrad = true)
    {
        requires_grad = requiresGrad;
        return this;
    }

    /// <summary>
    /// The accumulated gradient as a new handle (dispose it), or null before the first backward. Setting it replaces
    /// the gradient; null clears it.
    /// </summary>
    public Tensor? grad
    {
        get => WrapOptional(NativeMethods.THSTensor_grad(Handle));
        set
        {
            NativeMethods.THSTensor_set_grad(Handle, value?.Handle ?? TensorHandle.Null);
            Check();
        }
    }
}
