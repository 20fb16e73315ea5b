using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public sealed partial class Tensor
{
    public Tensor add(Tensor other, double alpha = 1) => Wrap(NativeMethods.THSTensor_add(Handle, other.Handle, alpha));
    public Tensor add(double other) => Wrap(NativeMethods.THSTensor_add_scalar(Handle, other));
    public Tensor sub(Tensor other, double alpha = 1) => Wrap(NativeMethods.THSTensor_sub(Handle, other.Handle, alpha));
    public Tensor sub(double other) => Wrap(NativeMethods.THSTensor_add_scalar(Handle, -other));
    public Tensor mul(Tensor other) => Wrap(NativeMethods.THSTensor_mul(Handle, other.Handle));
    public Tensor mul(double other) => Wrap(NativeMethods.THSTensor_mul_scalar(Handle, other));
    public Tensor div(Tensor other) => Wrap(NativeMethods.THSTensor_div(Handle, other.Handle));
    public Tensor div(double other) => Wrap(NativeMethods.THSTensor_div_scalar(Handle, other));
    public Tensor pow(double exponent) => Wrap(NativeMethods.THSTensor_pow_scalar(Handle, exponent));
    public Tensor remainder(double other) => Wrap(NativeMethods.THSTensor_remainder_scalar(Handle, other));
    public Tensor neg() => Wrap(NativeMethods.THSTensor_neg(Handle));
    public Tensor exp() => Wrap(NativeMethods.THSTensor_exp(Handle));
    public Tensor log() => Wrap(NativeMethods.THSTensor_log(Handle));
    public Tensor sqrt() => Wrap(NativeMethods.THSTensor_sqrt(Handle));
    public Tensor abs() => Wrap(NativeMethods.THSTensor_abs(Handle));
    public Tensor floor() => Wrap(NativeMethods.THSTensor_floor(Handle));
    public Tensor sigmoid() => Wrap(NativeMethods.THSTensor_sigmoid(Handle));
    public Tensor relu() => Wrap(NativeMethods.THSTensor_relu(Handle));
    public Tensor clamp(double min, double max) => Wrap(NativeMethods.THSTensor_clamp(Handle, min, max));
    public Tensor clamp_min(double min) => Wrap(NativeMethods.THSTensor_clamp_min(Handle, min));
    public Tensor clamp_max(double max) => Wrap(NativeMethods.THSTensor_clamp_max(Handle, max));
    public Tensor softmax(long dim) => Wrap(NativeMethods.THSTensor_softmax(Handle, dim));
    public Tensor log_softmax(long dim) => Wrap(NativeMethods.THSTensor_log_softmax(Handle, dim));

    // ---- in place ----
    public Tensor add_(Tensor other, double alpha = 1) { NativeMethods.THSTensor_add_(Handle, other.Handle, alpha); Check(); return this; }
    public Tensor add_(double other) { NativeMethods.THSTensor_add_scalar_(Handle, other); Check(); return this; }
    public Tensor mul_(Tensor other) { NativeMethods.THSTensor_mul_(Handle, other.Handle); Check(); return this; }
    public Tensor mul_(double other) { NativeMethods.THSTensor_mul_scalar_(Handle, other); Check(); return this; }
    public Tensor div_(double other) { NativeMethods.THSTensor_div_scalar_(Handle, other); Check(); return this; }
    public Tensor relu_() { NativeMethods.THSTensor_relu_(Handle); Check(); return this; }

    /// <summary>this += (end - this) * weight, in place (the EMA update with weight = 1 - decay).</summary>
    public Tensor lerp_(Tensor end, double weight) { NativeMethods.THSTensor_lerp_(Handle, end.Handle, weight); Check(); return this; }

    // ---- comparison and logic ----
    public Tensor eq(Tensor other) => Wrap(NativeMethods.THSTensor_eq(Handle, other.Handle));
    public Tensor ne(Tensor other) => Wrap(NativeMethods.THSTensor_ne(Handle, other.Handle));
    public Tensor lt(Tensor other) => Wrap(NativeMethods.THSTensor_lt(Handle, other.Handle));
    public Tensor le(Tensor other) => Wrap(NativeMethods.THSTensor_le(Handle, other.Handle));
    public Tensor gt(Tensor other) => Wrap(NativeMethods.THSTensor_gt(Handle, other.Handle));
    public Tensor ge(Tensor other) => Wrap(NativeMethods.THSTensor_ge(Handle, other.Handle));
    public Tensor eq(double other) => Wrap(NativeMethods.THSTensor_eq_scalar(Handle, other));
    public Tensor ne(double other) => Wrap(NativeMethods.THSTensor_ne_scalar(Handle, other));
    public Tensor lt(double other) => Wrap(NativeMethods.THSTensor_lt_scalar(Handle, other));
    public Tensor le(double other) => Wrap(NativeMethods.THSTensor_le_scalar(Handle, other));
    public Tensor gt(double other) => Wrap(NativeMethods.THSTensor_gt_scalar(Handle, other));
    public Tensor ge(double other) => Wrap(NativeMethods.THSTensor_ge_scalar(Handle, other));
    public Tensor logical_and(Tensor other) => Wrap(NativeMethods.THSTensor_logical_and(Handle, other.Handle));
    public Tensor logical_or(Tensor other) => Wrap(NativeMethods.THSTensor_logical_or(Handle, other.Handle));
    public Tensor logical_not() => Wrap(NativeMethods.THSTensor_logical_not(Handle));

    /// <summary>True when every element is within atol + rtol·|other| of <paramref name="other"/>.</summary>
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        var result = NativeMethods.THSTensor_allclose(Handle, other.Handle, rtol, atol);
        Check();
        return result;
    }

    // ---- reductions ----
    public Tensor sum() => Wrap(NativeMethods.THSTensor_sum(Handle));
    public Tensor sum(long dim, bool keepdim = false) => Wrap(NativeMethods.THSTensor_sum_dim(Handle, [dim], 1, keepdim));
    public Tensor sum(long[] dims, bool keepdim = false) => Wrap(NativeMethods.THSTensor_sum_dim(Handle, dims, dims.Length, keepdim));
    public Tensor mean() => Wrap(NativeMethods.THSTensor_mean(Handle));
    public Tensor mean(long dim, bool keepdim = false) => Wrap(NativeMethods.THSTensor_mean_dim(Handle, [dim], 1, keepdim));
    public Tensor mean(long[] dims, bool keepdim = false) => Wrap(NativeMethods.THSTensor_mean_dim(Handle, dims, dims.Length, keepdim));
    public Tensor max() => Wrap(NativeMethods.THSTensor_max(Handle));
    public Tensor min() => Wrap(NativeMethods.THSTensor_min(Handle));
    public Tensor argmax(long dim, bool keepdim = false) => Wrap(NativeMethods.THSTensor_argmax(Handle, dim, keepdim));
    public Tensor argmin(long dim, bool keepdim = false) => Wrap(NativeMethods.THSTensor_argmin(Handle, dim, keepdim));
    public Tensor norm(double p, long dim, bool keepdim = false) => Wrap(NativeMethods.THSTensor_norm(Handle, p, dim, keepdim));

    /// <summary>The q-quantile (0..1) of all elements, linearly interpolated (numpy's default percentile).</summary>
    public Tensor quantile(double q) => Wrap(NativeMethods.THSTensor_quantile(Handle, q));

    /// <summary>Counts of each value of a non-negative integer tensor.</summary>
    public Tensor bincount(long minlength = 0) => Wrap(NativeMethods.THSTensor_bincount(Handle, minlength));

    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false)
    {
        NativeMethods.THSTensor_max_dim(Handle, dim, keepdim, out var values, out var indices);
        return Pair(values, indices);
    }

    // ---- sorting ----
    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        NativeMethods.THSTensor_topk(Handle, k, dim, largest, sorted, out var values, out var indices);
        return Pair(values, indices);
    }

    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false)
    {
        NativeMethods.THSTensor_sort(Handle, dim, descending, out var values, out var indices);
        return Pair(values, indices);
    }

    public (Tensor values, Tensor indices) kthvalue(long k, long dim = -1, bool keepdim = false)
    {
        NativeMethods.THSTensor_kthvalue(Handle, k, dim, keepdim, out var values, out var indices);
        return Pair(values, indices);
    }

    public Tensor argsort(long dim = -1, bool descending = false) => Wrap(NativeMethods.THSTensor_argsort(Handle, dim, descending));

    // ---- linear algebra ----
    public Tensor matmul(Tensor other) => Wrap(NativeMethods.THSTensor_matmul(Handle, other.Handle));
    public Tensor mm(Tensor other) => Wrap(NativeMethods.THSTensor_mm(Handle, other.Handle));
    public Tensor bmm(Tensor other) => Wrap(NativeMethods.THSTensor_bmm(Handle, other.Handle));

    private static (Tensor, Tensor) Pair(IntPtr first, IntPtr second)
    {
        Check();
        return (new Tensor(first), new Tensor(second));
    }
}
