// LibraryImport declarations for Torch/native/src/THSLoss.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_cross_entropy(TensorHandle input, TensorHandle target, TensorHandle weight, long reduction, long ignore_index, double label_smoothing);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_nll_loss(TensorHandle input, TensorHandle target, TensorHandle weight, long reduction, long ignore_index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSNN_binary_cross_entropy_with_logits(TensorHandle input, TensorHandle target, TensorHandle weight, long reduction);
}
