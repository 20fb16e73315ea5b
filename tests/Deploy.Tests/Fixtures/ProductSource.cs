using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>Facts about the product that the manifests must agree with, read from the product itself.</summary>
internal static partial class ProductSource
{
    private static readonly string[] ProductFolders = ["Silo", "Contracts", "Grains", "Segmentation", "Synthetic", "Checkpoints", "Client"];

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

    /// <summary>
    /// The HTTP paths the silo serves on its health port: <c>U2PL.Silo.SiloEndpoints.MapSiloHealthEndpoints</c>
    /// (internal to the silo executable, called by reflection), mapped for real.
    /// </summary>
    public static IReadOnlySet<string> HealthPaths()
    {
        var silo = System.Reflection.Assembly.Load("u2pl-silo");
        var endpoints = silo.GetType("U2PL.Silo.SiloEndpoints", throwOnError: true)!;
        var builder = WebApplication.CreateSlimBuilder();
        // Only registered, never resolved: the endpoints' service parameters must be known as services to be mapped.
        foreach (var service in new[] { typeof(IClusterMembershipService), typeof(ILocalSiloDetails), silo.GetType("U2PL.Silo.PrometheusText", throwOnError: true)! })
            builder.Services.AddSingleton(service, _ => throw new InvalidOperationException("not resolved in this test"));
        var app = builder.Build();
        endpoints.GetMethod("MapSiloHealthEndpoints")!.Invoke(null, [app]);
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/')).ToHashSet();
    }

    /// <summary>The ServiceId every u2pl silo sets (U2plSiloOptions.ServiceId), which the orleans/serviceId label must carry.</summary>
    public static string SiloServiceId() => U2PL.Grains.Hosting.U2plSiloOptions.ServiceId;

    [GeneratedRegex("\"(U2PL_[A-Z0-9_]+)\"")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex(@"ShutdownTimeout\s*=\s*TimeSpan\.FromSeconds\(([0-9.]+)\)")]
    private static partial Regex ShutdownTimeout();
}
