using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public sealed partial class Tensor
{
    /// <summary>The entries at <paramref name="index"/> (int64) along one dimension.</summary>
    public Tensor index_select(long dim, Tensor index) => Wrap(NativeMethods.THSTensor_index_select(Handle, dim, index.Handle));

    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-D tensor.</summary>
    public Tensor masked_select(Tensor mask) => Wrap(NativeMethods.THSTensor_masked_select(Handle, mask.Handle));

    /// <summary>This tensor with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor masked_fill(Tensor mask, double value) => Wrap(NativeMethods.THSTensor_masked_fill(Handle, mask.Handle, value));

    /// <summary>In-place <see cref="masked_fill"/>.</summary>
    public Tensor masked_fill_(Tensor mask, double value)
    {
        NativeMethods.THSTensor_masked_fill_(Handle, mask.Handle, value);
        Check();
        return this;
    }

    /// <summary>Gathers values along a dimension by an index tensor.</summary>
    public Tensor gather(long dim, Tensor index) => Wrap(NativeMethods.THSTensor_gather(Handle, dim, index.Handle));

    /// <summary>Out-of-place scatter of <paramref name="source"/> along a dimension.</summary>
    public Tensor scatter(long dim, Tensor index, Tensor source) => Wrap(NativeMethods.THSTensor_scatter(Handle, dim, index.Handle, source.Handle));

    /// <summary>Indices of the non-zero elements, one row per element.</summary>
    public Tensor nonzero() => Wrap(NativeMethods.THSTensor_nonzero(Handle));

    /// <summary>
    /// <c>this[mask]</c> for a boolean mask over the leading dimensions: the rows of an (N, D) tensor where an (N,)
    /// mask is true, say.
    /// </summary>
    public Tensor index(Tensor mask) => Wrap(NativeMethods.THSTensor_index_bool(Handle, mask.Handle));

    /// <summary><c>this[index] = values</c> in place (index along the first dimension).</summary>
    public Tensor index_put_(Tensor index, Tensor values)
    {
        NativeMethods.THSTensor_index_put_(Handle, index.Handle, values.Handle);
        Check();
        return this;
    }

    /// <summary>Copies rows of <paramref name="source"/> into the positions <paramref name="index"/> along a dimension.</summary>
    public Tensor index_copy_(long dim, Tensor index, Tensor source)
    {
        NativeMethods.THSTensor_index_copy_(Handle, dim, index.Handle, source.Handle);
        Check();
        return this;
    }
}
