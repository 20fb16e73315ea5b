using System.Diagnostics;

namespace U2PL.Client.Tests;

/// <summary>Runs the built <c>u2pl</c> executable (Client/bin/&lt;configuration&gt;/net10.0/u2pl) as a child process.</summary>
internal static class U2plProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The u2pl built in the same configuration as the tests.</summary>
    public static string Executable { get; } = Path.Combine(RepositoryRoot, "Client", "bin",
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug", "net10.0", "u2pl");

    public static Result Run(params string[] arguments)
    {
        var executable = Executable;
        var start = new ProcessStartInfo(executable, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {executable}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"u2pl {string.Join(' ', arguments)} did not finish in 3 minutes");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// Starts u2pl as a terminal would, with SIGINT at its default disposition. A process started in the background by
    /// a non-interactive shell (a CI job, <c>cmd &amp;</c>) inherits SIGINT ignored, and .NET keeps a signal that was
    /// ignored at start-up ignored, so Ctrl-C would never reach the child; <c>env --default-signal=INT</c> restores it.
    /// </summary>
    public static Process StartInteractive(params string[] arguments)
    {
        var start = new ProcessStartInfo("env", ["--default-signal=INT", Executable, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Executable}");
    }

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal does (env has exec'd u2pl, so the process id is u2pl's).</summary>
    public static void Interrupt(Process process)
    {
        using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "U2PL.Orleans.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("repository root (U2PL.Orleans.sln) not found above " + AppContext.BaseDirectory);
    }
}
