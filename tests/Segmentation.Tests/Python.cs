using System.Diagnostics;

namespace U2PL.Segmentation.Tests;

/// <summary>Runs a one-line script with Debian's python3 (python3-torch, python3-torchvision), the tests' reference.</summary>
internal static class Python
{
    public static void Run(string script)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"python3 failed (it needs Debian's python3-torch and python3-torchvision; ./test.sh installs them):\n{errors}");
    }
}
