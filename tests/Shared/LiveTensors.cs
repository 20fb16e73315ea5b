using TorchSharp;

namespace U2PL.Tests.Shared;

/// <summary>
/// The baseline of a leak test. torch.Tensor.TotalCount is process-wide, and a tensor an earlier test left to the
/// finalizer would be freed in the middle of the next test's count; this frees them first. Take only the baseline
/// this way: collecting before the final count would hide the very leak the test looks for.
/// </summary>
internal static class LiveTensors
{
    public static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return torch.Tensor.TotalCount;
    }
}
