using System.Diagnostics;

namespace U2PL.Client.Tests.Cluster;

/// <summary>Runs the built <c>u2pl</c> with a controlled environment (no inherited <c>U2PL_CLUSTER*</c>) and a deadline.</summary>
internal static class ClusterCli
{
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed)
    {
        public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    public static Result Run(IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(U2plProcess.Executable, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("U2PL_CLUSTER");
        start.Environment.Remove("U2PL_CLUSTER_KEY");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {U2plProcess.Executable}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"u2pl {string.Join(' ', arguments)} did not finish in {timeout}: {error.Result}");
        }
        return new Result(process.ExitCode, output.Result, error.Result, watch.Elapsed);
    }

    public static Result Run(params string[] arguments) => Run(null, TimeSpan.FromMinutes(3), arguments);
}
