using Microsoft.Win32.SafeHandles;
using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

/// <summary>Owns one native at::Tensor handle; the marshaller keeps it alive for the duration of every native call.</summary>
internal sealed class TensorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>The null handle passed for optional tensor arguments (no bias, say).</summary>
    internal static readonly TensorHandle Null = new();

    private TensorHandle() : base(ownsHandle: false)
    {
    }

    internal TensorHandle(IntPtr handle) : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        NativeMethods.THSTensor_dispose(handle);
        return true;
    }
}
