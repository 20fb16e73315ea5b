// LibraryImport declarations for Torch/native/src/THSAutograd.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool THSAutograd_is_grad_enabled();

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSAutograd_set_grad_enabled([MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_backward(TensorHandle tensor, TensorHandle gradient, [MarshalAs(UnmanagedType.U1)] bool retain_graph);
}
