// LibraryImport declarations for Torch/native/src/THSTensorIndexing.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_index_select(TensorHandle a, long dim, TensorHandle index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_masked_select(TensorHandle a, TensorHandle mask);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_masked_fill(TensorHandle a, TensorHandle mask, double value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_masked_fill_(TensorHandle a, TensorHandle mask, double value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_gather(TensorHandle a, long dim, TensorHandle index);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_scatter(TensorHandle a, long dim, TensorHandle index, TensorHandle source);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_nonzero(TensorHandle a);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSTensor_index_bool(TensorHandle a, TensorHandle mask);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_index_put_(TensorHandle a, TensorHandle index, TensorHandle values);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSTensor_index_copy_(TensorHandle a, long dim, TensorHandle index, TensorHandle source);
}
