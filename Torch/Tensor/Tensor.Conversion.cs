using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public sealed partial class Tensor
{
    /// <summary>A copy converted to another element type (this tensor itself if it already has it).</summary>
    public Tensor to(ScalarType type) => Wrap(NativeMethods.THSTensor_to_type(Handle, (sbyte)type));

    /// <summary>A copy on another device.</summary>
    public Tensor to(Device target, bool nonBlocking = false)
    {
        torch.EnsureAvailable(target);
        return Wrap(NativeMethods.THSTensor_to_device(Handle, (int)target.Type, target.Index, nonBlocking));
    }

    /// <summary>A copy on the CPU.</summary>
    public Tensor cpu() => to(Device.CPU);

    /// <summary>This tensor's data laid out contiguously (a new handle to the same data if already contiguous).</summary>
    public Tensor contiguous() => Wrap(NativeMethods.THSTensor_contiguous(Handle));

    /// <summary>A deep copy (recorded by autograd).</summary>
    public Tensor clone() => Wrap(NativeMethods.THSTensor_clone(Handle));

    /// <summary>A handle to the same data, cut from the autograd graph.</summary>
    public Tensor detach() => Wrap(NativeMethods.THSTensor_detach(Handle));

    /// <summary>A second handle to the same tensor (same data and autograd identity), owned separately.</summary>
    public Tensor alias() => Wrap(NativeMethods.THSTensor_alias(Handle));

    /// <summary>Replaces this tensor's data, keeping the handle (PyTorch's <c>param.data = value</c>).</summary>
    public void set_data(Tensor value)
    {
        NativeMethods.THSTensor_set_data(Handle, value.Handle);
        Check();
    }

    /// <summary>Copies <paramref name="source"/> into this tensor in place (broadcasting, converting type/device).</summary>
    public Tensor copy_(Tensor source)
    {
        NativeMethods.THSTensor_copy_(Handle, source.Handle);
        Check();
        return this;
    }

    /// <summary>Fills with zeros in place.</summary>
    public Tensor zero_()
    {
        NativeMethods.THSTensor_zero_(Handle);
        Check();
        return this;
    }

    /// <summary>Fills with a value in place.</summary>
    public Tensor fill_(double value)
    {
        NativeMethods.THSTensor_fill_(Handle, value);
        Check();
        return this;
    }

    /// <summary>Fills with samples of U(from, to) in place.</summary>
    public Tensor uniform_(double from = 0, double to = 1)
    {
        NativeMethods.THSTensor_uniform_(Handle, from, to);
        Check();
        return this;
    }

    /// <summary>Fills with samples of N(mean, std²) in place.</summary>
    public Tensor normal_(double mean = 0, double std = 1)
    {
        NativeMethods.THSTensor_normal_(Handle, mean, std);
        Check();
        return this;
    }
}
