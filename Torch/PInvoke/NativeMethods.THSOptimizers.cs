// LibraryImport declarations for Torch/native/src/THSOptimizers.cpp (one file per native subject, as the shim).
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSOptimizers_sgd_step(IntPtr[] parameters, IntPtr[] momentum_buffers, int length, double lr, double momentum, double weight_decay);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void THSOptimizers_zero_grad(IntPtr[] parameters, int length);
}
