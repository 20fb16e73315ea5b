// LibraryImport declarations for Torch/native/src/THSImage.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSImage_decode(byte* bytes, long length, int mode);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSImage_encode(TensorHandle image, string extension, out IntPtr buffer, out long length);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSImage_free_buffer(IntPtr buffer);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr THSImage_resize(TensorHandle image, long height, long width, int interpolation);
}
