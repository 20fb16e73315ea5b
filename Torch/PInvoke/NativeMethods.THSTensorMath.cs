// LibraryImport declarations for Torch/native/src/THSTensorMath.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_add(TensorHandle a, TensorHandle b, double alpha);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_sub(TensorHandle a, TensorHandle b, double alpha);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_mul(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_div(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_add_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_mul_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_div_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_rsub_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_pow_scalar(TensorHandle a, double exponent);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_remainder_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_add_(TensorHandle a, TensorHandle b, double alpha);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_mul_(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_add_scalar_(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_mul_scalar_(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_div_scalar_(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_lerp_(TensorHandle a, TensorHandle b, double weight);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_neg(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_exp(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_log(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_sqrt(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_abs(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_sigmoid(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_floor(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_clamp(TensorHandle a, double min, double max);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_clamp_min(TensorHandle a, double min);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_clamp_max(TensorHandle a, double max);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_eq(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_ne(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_lt(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_le(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_gt(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_ge(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_eq_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_ne_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_lt_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_le_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_gt_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_ge_scalar(TensorHandle a, double b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_logical_and(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_logical_or(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_logical_not(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_where(TensorHandle condition, TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool THSTensor_allclose(TensorHandle a, TensorHandle b, double rtol, double atol);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_sum(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_sum_dim(TensorHandle a, long[] dims, int ndim, [MarshalAs(UnmanagedType.U1)] bool keepdim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_mean(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_mean_dim(TensorHandle a, long[] dims, int ndim, [MarshalAs(UnmanagedType.U1)] bool keepdim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_max(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_min(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_argmax(TensorHandle a, long dim, [MarshalAs(UnmanagedType.U1)] bool keepdim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_argmin(TensorHandle a, long dim, [MarshalAs(UnmanagedType.U1)] bool keepdim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_norm(TensorHandle a, double p, long dim, [MarshalAs(UnmanagedType.U1)] bool keepdim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_bincount(TensorHandle a, long minlength);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_quantile(TensorHandle a, double q);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_max_dim(TensorHandle a, long dim, [MarshalAs(UnmanagedType.U1)] bool keepdim, out IntPtr values, out IntPtr indices);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_topk(TensorHandle a, long k, long dim, [MarshalAs(UnmanagedType.U1)] bool largest, [MarshalAs(UnmanagedType.U1)] bool sorted, out IntPtr values, out IntPtr indices);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_sort(TensorHandle a, long dim, [MarshalAs(UnmanagedType.U1)] bool descending, out IntPtr values, out IntPtr indices);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_kthvalue(TensorHandle a, long k, long dim, [MarshalAs(UnmanagedType.U1)] bool keepdim, out IntPtr values, out IntPtr indices);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_argsort(TensorHandle a, long dim, [MarshalAs(UnmanagedType.U1)] bool descending);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_matmul(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_mm(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_bmm(TensorHandle a, TensorHandle b);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_cosine_similarity(TensorHandle a, TensorHandle b, long dim, double eps);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_normalize(TensorHandle a, double p, long dim, double eps);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_relu(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_relu_(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_softmax(TensorHandle a, long dim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_log_softmax(TensorHandle a, long dim);
}
