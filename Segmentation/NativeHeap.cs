using System.Runtime.InteropServices;

namespace U2PL.Segmentation;

/// <summary>
/// Returns to the system the memory glibc keeps after libtorch frees it. glibc holds freed blocks in per-thread arenas,
/// so a training process's resident memory climbs step after step although no tensor leaks (torch.Tensor.TotalCount
/// stays flat). TorchSharp has no malloc_trim; our previous binding had one. A no-op where glibc is not the allocator.
/// </summary>
public static partial class NativeHeap
{
    private static bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Calls glibc's malloc_trim(0); cheap next to a training step.</summary>
    public static void Trim()
    {
        if (s_unavailable)
        {
            return;
        }
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
