using U2PL.Deploy.Tests.Fixtures;

namespace U2PL.Deploy.Tests;

/// <summary>Renders an overlay for a test, or skips it with the reason when no usable kubectl is on the machine.</summary>
public abstract class OverlayTestBase
{
    public static TheoryData<string> Overlays() => new("dev", "gpu");

    /// <summary>The gpu overlay asks for GPUs; dev runs its "gpu" silos on CPU.</summary>
    internal static bool ExpectsGpus(string overlay) => overlay == "gpu";

    internal static Manifest Render(string overlay)
    {
        if (Kustomize.UnavailableReason is { } reason) Assert.Skip($"skipped: {reason}");
        return Kustomize.Render(overlay);
    }

    internal static void AssertNone(IEnumerable<string> problems, string what)
    {
        var list = problems.ToList();
        Assert.True(list.Count == 0, $"{what}:\n  " + string.Join("\n  ", list));
    }
}
