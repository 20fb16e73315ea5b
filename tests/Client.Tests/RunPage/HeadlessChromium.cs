using System.Diagnostics;

namespace U2PL.Client.Tests.RunPage;

/// <summary>
/// Debian's <c>chromium</c> in headless mode, one process per page load: <c>--dump-dom</c> gives the DOM after the page's
/// script ran (its polls included, within the virtual-time budget), <c>--screenshot</c> a PNG of it.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    private readonly string _executable;
    private readonly string _profile = Directory.CreateTempSubdirectory("u2pl-chromium-").FullName;

    private HeadlessChromium(string executable) => _executable = executable;

    /// <summary>The browser, or a skip with the reason when this machine has none that starts.</summary>
    public static HeadlessChromium Start()
    {
        var executable = Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } path ? path
            : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(executable is null, "no chromium on this machine (scripts/install-deps.sh installs Debian's chromium)");
        var browser = new HeadlessChromium(executable!);
        var (exit, output, error) = browser.Run(["--version"], TimeSpan.FromSeconds(30));
        Assert.SkipWhen(exit != 0, $"{executable} does not start: {error}");
        TestContext.Current.SendDiagnosticMessage($"browser: {output.Trim()}");
        return browser;
    }

    public void Dispose() => Directory.Delete(_profile, recursive: true);

    public string DumpDom(string url, int virtualTimeMs = 4000)
    {
        var (exit, output, error) = Run(["--dump-dom", $"--virtual-time-budget={virtualTimeMs}", url], TimeSpan.FromSeconds(90));
        Assert.True(exit == 0, $"chromium --dump-dom {url} exited {exit}: {error}");
        return output;
    }

    public void Screenshot(string url, string path, int width = 1200, int height = 1500)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var (exit, _, error) = Run([$"--screenshot={path}", $"--window-size={width},{height}", "--hide-scrollbars", "--virtual-time-budget=4000", url], TimeSpan.FromSeconds(90));
        Assert.True(exit == 0 && File.Exists(path), $"chromium --screenshot {url} exited {exit}: {error}");
    }

    private (int Exit, string Output, string Error) Run(string[] arguments, TimeSpan timeout)
    {
        // --no-sandbox: the tests run as root in CI containers, where Chromium's sandbox cannot start.
        string[] common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", $"--user-data-dir={_profile}"];
        var start = new ProcessStartInfo(_executable, [.. common, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, output.Result, $"timed out after {timeout.TotalSeconds:0} s; {error.Result}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
