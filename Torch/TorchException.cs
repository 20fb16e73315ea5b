namespace U2PL.Torch;

/// <summary>An error raised inside libtorch (or the shim), carried across the C ABI as its message.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message)
    {
    }
}
