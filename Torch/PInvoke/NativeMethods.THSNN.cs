// LibraryImport declarations for Torch/native/src/THSNN.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_conv2d(TensorHandle input, TensorHandle weight, TensorHandle bias, long[] stride, long[] padding, long[] dilation, long groups);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_batch_norm(TensorHandle input, TensorHandle weight, TensorHandle bias, TensorHandle running_mean, TensorHandle running_var, [MarshalAs(UnmanagedType.U1)] bool training, double momentum, double eps);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_max_pool2d(TensorHandle input, long[] kernel, long[] stride, long[] padding, long[] dilation, [MarshalAs(UnmanagedType.U1)] bool ceil_mode);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_adaptive_avg_pool2d(TensorHandle input, long[] output_size);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_dropout(TensorHandle input, double p, [MarshalAs(UnmanagedType.U1)] bool training);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_feature_dropout(TensorHandle input, double p, [MarshalAs(UnmanagedType.U1)] bool training);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_upsample_bilinear2d(TensorHandle input, long height, long width, [MarshalAs(UnmanagedType.U1)] bool align_corners);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_upsample_nearest2d(TensorHandle input, long height, long width);
}
