using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public sealed partial class Tensor
{
    /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void backward(Tensor? gradient = null, bool retainGraph = false)
    {
        NativeMethods.THSTensor_backward(Handle, gradient?.Handle ?? TensorHandle.Null, retainGraph);
        Check();
    }
}
