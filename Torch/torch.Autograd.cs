using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public static partial class torch
{
    /// <summary>
    /// Disables gradient recording on this thread until disposed. Grad mode is per thread in libtorch: the scope does
    /// not follow an <c>await</c> onto another thread.
    /// </summary>
    public static GradModeScope no_grad() => new(enabled: false);

    /// <summary>Enables gradient recording on this thread until disposed.</summary>
    public static GradModeScope enable_grad() => new(enabled: true);

    /// <summary>Whether gradient recording is on for this thread.</summary>
    public static bool is_grad_enabled() => NativeMethods.THSAutograd_is_grad_enabled();

    /// <summary>Sets this thread's grad mode and restores the previous one when disposed.</summary>
    public readonly struct GradModeScope : IDisposable
    {
        private readonly bool _previous;

        internal GradModeScope(bool enabled)
        {
            _previous = NativeMethods.THSAutograd_is_grad_enabled();
            NativeMethods.THSAutograd_set_grad_enabled(enabled);
        }

        /// <summary>Restores the previous grad mode.</summary>
        public void Dispose() => NativeMethods.THSAutograd_set_grad_enabled(_previous);
    }
}
