using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public sealed partial class Tensor
{
    /// <summary>A view with another shape (one size may be -1).</summary>
    public Tensor view(params long[] shape) => Wrap(NativeMethods.THSTensor_view(Handle, shape, shape.Length));

    /// <summary>A tensor with another shape, viewing when possible and copying otherwise.</summary>
    public Tensor reshape(params long[] shape) => Wrap(NativeMethods.THSTensor_reshape(Handle, shape, shape.Length));

    /// <summary>Reorders the dimensions.</summary>
    public Tensor permute(params long[] dims) => Wrap(NativeMethods.THSTensor_permute(Handle, dims, dims.Length));

    /// <summary>Swaps two dimensions.</summary>
    public Tensor transpose(long dim0, long dim1) => Wrap(NativeMethods.THSTensor_transpose(Handle, dim0, dim1));

    /// <summary>Merges dimensions start..end into one.</summary>
    public Tensor flatten(long startDim = 0, long endDim = -1) => Wrap(NativeMethods.THSTensor_flatten(Handle, startDim, endDim));

    /// <summary>Inserts a dimension of size 1.</summary>
    public Tensor unsqueeze(long dim) => Wrap(NativeMethods.THSTensor_unsqueeze(Handle, dim));

    /// <summary>Removes a dimension of size 1.</summary>
    public Tensor squeeze(long dim) => Wrap(NativeMethods.THSTensor_squeeze(Handle, dim));

    /// <summary>Broadcasts to a larger shape without copying (-1 keeps a size).</summary>
    public Tensor expand(params long[] shape) => Wrap(NativeMethods.THSTensor_expand(Handle, shape, shape.Length));

    /// <summary>Tiles the tensor.</summary>
    public Tensor repeat(params long[] repeats) => Wrap(NativeMethods.THSTensor_repeat(Handle, repeats, repeats.Length));

    /// <summary>The slice [start, start + length) of one dimension, as a view.</summary>
    public Tensor narrow(long dim, long start, long length) => Wrap(NativeMethods.THSTensor_narrow(Handle, dim, start, length));

    /// <summary>The index-th entry of one dimension, as a view with that dimension removed.</summary>
    public Tensor select(long dim, long index) => Wrap(NativeMethods.THSTensor_select(Handle, dim, index));

    /// <summary>Reverses the order along the given dimensions.</summary>
    public Tensor flip(params long[] dims) => Wrap(NativeMethods.THSTensor_flip(Handle, dims, dims.Length));
}
