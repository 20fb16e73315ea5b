using System.Diagnostics;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// Renders the overlays with <c>kubectl kustomize</c> (the renderer <c>kubectl apply -k</c> uses). kubectl is on the
/// machine image; where it is missing or too old (Debian's kubernetes-client 1.20 bundles kustomize 2.0, which cannot
/// read these kustomizations) the rendering tests skip with the reason.
/// </summary>
internal static class Kustomize
{
    private static readonly Lazy<(string? Kubectl, string? Unavailable)> Tool = new(FindKubectl);
    private static readonly Dictionary<string, Manifest> Cache = [];

    public static string? UnavailableReason => Tool.Value.Unavailable;

    /// <summary>The rendered overlay; the gpu overlay is rendered from a copy whose secrets/ are the templates.</summary>
    public static Manifest Render(string overlay)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(overlay, out var cached)) return cached;
            if (Tool.Value.Kubectl is not { } kubectl) throw new InvalidOperationException(UnavailableReason);
            var copy = Directory.CreateTempSubdirectory("u2pl-k8s-");
            try
            {
                CopyDirectory(Repository.K8s, copy.FullName);
                var overlayDir = Path.Combine(copy.FullName, "overlays", overlay);
                var secrets = Path.Combine(overlayDir, "secrets");
                var examples = Path.Combine(overlayDir, "secrets.example");
                if (!Directory.Exists(secrets) && Directory.Exists(examples)) CopyDirectory(examples, secrets);
                var (code, output, error) = Run(kubectl, "kustomize", overlayDir);
                if (code != 0) throw new InvalidOperationException($"kubectl kustomize overlays/{overlay} failed ({code}): {error}");
                return Cache[overlay] = Manifest.Parse($"overlays/{overlay}", output);
            }
            finally
            {
                copy.Delete(recursive: true);
            }
        }
    }

    public static (int Code, string Output, string Error) Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in 2 minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static (string?, string?) FindKubectl()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);
        if (path is null) return (null, "kubectl is not on PATH (install kubectl >= 1.21; Debian's kubernetes-client 1.20 is too old for these kustomizations)");
        var (code, output, error) = Run(path, "version", "--client");
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Kustomize Version:", StringComparison.Ordinal));
        if (code != 0 || line is null) return (null, $"{path} has no built-in kustomize ({error.Trim()}{output.Trim()})");
        var version = line["Kustomize Version:".Length..].Trim().TrimStart('v');
        return int.TryParse(version.Split('.')[0], out var major) && major >= 4
            ? (path, null)
            : (null, $"{path} bundles kustomize {version}; these kustomizations need 4 or later");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
    }
}
