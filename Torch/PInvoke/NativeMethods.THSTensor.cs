// LibraryImport declarations for Torch/native/src/THSTensor.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_from_data(void* data, long[] shape, int ndim, sbyte dtype);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_empty(long[] shape, int ndim, sbyte dtype, int device_type, int device_index, [MarshalAs(UnmanagedType.U1)] bool requires_grad);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_zeros(long[] shape, int ndim, sbyte dtype, int device_type, int device_index, [MarshalAs(UnmanagedType.U1)] bool requires_grad);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_ones(long[] shape, int ndim, sbyte dtype, int device_type, int device_index, [MarshalAs(UnmanagedType.U1)] bool requires_grad);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_full(long[] shape, int ndim, double value, sbyte dtype, int device_type, int device_index, [MarshalAs(UnmanagedType.U1)] bool requires_grad);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_rand(long[] shape, int ndim, sbyte dtype, int device_type, int device_index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_randn(long[] shape, int ndim, sbyte dtype, int device_type, int device_index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_randint(long low, long high, long[] shape, int ndim, sbyte dtype, int device_type, int device_index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_randperm(long n, sbyte dtype, int device_type, int device_index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_arange(double start, double end, double step, sbyte dtype, int device_type, int device_index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_zeros_like(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_ones_like(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_one_hot(TensorHandle tensor, long num_classes);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_uniform_(TensorHandle tensor, double from, double to);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_normal_(TensorHandle tensor, double mean, double std);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_fill_(TensorHandle tensor, double value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_zero_(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_copy_(TensorHandle destination, TensorHandle source);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial long THSTensor_ndimension(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_sizes(TensorHandle tensor, long* sizes);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial long THSTensor_size(TensorHandle tensor, long dim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial long THSTensor_numel(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial sbyte THSTensor_type(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int THSTensor_device_type(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int THSTensor_device_index(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool THSTensor_is_contiguous(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool THSTensor_defined(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_data_ptr(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial double THSTensor_item_double(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial long THSTensor_item_int64(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool THSTensor_requires_grad(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_set_requires_grad(TensorHandle tensor, [MarshalAs(UnmanagedType.U1)] bool requires_grad);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_grad(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_set_grad(TensorHandle tensor, TensorHandle grad);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_to_type(TensorHandle tensor, sbyte dtype);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_to_device(TensorHandle tensor, int device_type, int device_index, [MarshalAs(UnmanagedType.U1)] bool non_blocking);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_contiguous(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_clone(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_detach(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_alias(TensorHandle tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_view(TensorHandle tensor, long[] shape, int ndim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_reshape(TensorHandle tensor, long[] shape, int ndim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_permute(TensorHandle tensor, long[] dims, int ndim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_transpose(TensorHandle tensor, long dim0, long dim1);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_flatten(TensorHandle tensor, long start, long end);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_unsqueeze(TensorHandle tensor, long dim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_squeeze(TensorHandle tensor, long dim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_expand(TensorHandle tensor, long[] shape, int ndim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_repeat(TensorHandle tensor, long[] repeats, int ndim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_narrow(TensorHandle tensor, long dim, long start, long length);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_select(TensorHandle tensor, long dim, long index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_flip(TensorHandle tensor, long[] dims, int ndim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_cat(IntPtr[] tensors, int length, long dim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_stack(IntPtr[] tensors, int length, long dim);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_pad(TensorHandle tensor, long[] pad, int length, double value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_set_data(TensorHandle tensor, TensorHandle value);
}
