using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using U2PL.Runtime.Hosting;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>Facts about the product that the manifests must agree with, read from the product itself.</summary>
internal static partial class ProductSource
{
    private static readonly string[] ProductFolders = ["Silo", "Runtime", "Contracts", "Grains", "Segmentation", "Torch", "Checkpoints", "Client"];

    /// <summary>Every <c>U2PL_*</c> environment variable the product's source names, with the files that name it.</summary>
    public static Dictionary<string, List<string>> EnvironmentVariables()
    {
        var found = new Dictionary<string, List<string>>();
        foreach (var folder in ProductFolders.Select(f => Path.Combine(Repository.Root, f)).Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                                     !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")))
            {
                foreach (Match match in EnvironmentName().Matches(File.ReadAllText(file)))
                {
                    var name = match.Groups[1].Value;
                    if (!found.TryGetValue(name, out var files)) found[name] = files = [];
                    files.Add(Path.GetRelativePath(Repository.Root, file));
                }
            }
        }
        return found;
    }

    /// <summary>The silo's host shutdown timeout (Silo/Program.cs): how long a SIGTERM drain may take.</summary>
    public static TimeSpan SiloShutdownTimeout()
    {
        var program = File.ReadAllText(Path.Combine(Repository.Root, "Silo", "Program.cs"));
        var match = ShutdownTimeout().Match(program);
        if (!match.Success) throw new InvalidOperationException("Silo/Program.cs no longer sets HostOptions.ShutdownTimeout = TimeSpan.FromSeconds(N)");
        return TimeSpan.FromSeconds(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The HTTP paths the silo serves on its health port: the runtime's MapSiloHealthEndpoints, mapped for real.</summary>
    public static IReadOnlySet<string> HealthPaths()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Only registered, never resolved: the endpoints' Silo parameter must be known as a service to be mapped.
        builder.Services.AddSingleton<U2PL.Runtime.Hosting.Silo>(_ => throw new InvalidOperationException("not resolved in this test"));
        var app = builder.Build();
        app.MapSiloHealthEndpoints();
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/')).ToHashSet();
    }

    [GeneratedRegex("\"(U2PL_[A-Z0-9_]+)\"")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex(@"ShutdownTimeout\s*=\s*TimeSpan\.FromSeconds\(([0-9.]+)\)")]
    private static partial Regex ShutdownTimeout();
}
