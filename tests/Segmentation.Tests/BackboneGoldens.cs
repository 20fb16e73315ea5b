using System.Diagnostics;

namespace U2PL.Segmentation.Tests;

/// <summary>
/// Runs goldens/make_backbone_goldens.py (Debian's python3-torchvision) once per build output and caches its files:
/// the torchvision weights are too large to commit.
/// </summary>
public static class BackboneGoldens
{
    private static readonly Lazy<string> s_directory = new(Generate);

    public static string Path(string file) => System.IO.Path.Combine(s_directory.Value, file);

    private static string Generate()
    {
        var directory = System.IO.Path.Combine(AppContext.BaseDirectory, "goldens", "generated");
        if (File.Exists(System.IO.Path.Combine(directory, "done")))
        {
            return directory;
        }
        var script = System.IO.Path.Combine(AppContext.BaseDirectory, "goldens", "make_backbone_goldens.py");
        var start = new ProcessStartInfo("/usr/bin/python3", [script, directory]) { RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{script} failed (exit {process.ExitCode}); it needs Debian's python3-torchvision (./test.sh installs it):\n{errors}");
        }
        return directory;
    }
}
