namespace U2PL.Segmentation;

/// <summary>
/// The last call of a process that used libtorch. A TorchSharp tensor or module that was not disposed is released by
/// its finalizer, on the finalizer thread; if that runs while <c>exit()</c> destroys libtorch's static state, the
/// process dies with SIGSEGV after its work is done (seen as exit 139 of <c>u2pl demo</c> after its last line, under
/// load). Running the pending finalizers first leaves nothing for that thread to do at exit.
/// </summary>
public static class NativeTeardown
{
    public static void ReleaseUndisposed()
    {
        for (var pass = 0; pass < 2; pass++) // a finalizer may free what holds another finalizable object
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }
}
