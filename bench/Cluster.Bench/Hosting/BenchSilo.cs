using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using U2PL.Grains.Hosting;
using U2PL.Silo;
using U2PL.Synthetic;

namespace U2PL.Cluster.Bench.Hosting;

/// <summary>
/// <c>U2PL.Cluster.Bench.dll silo &lt;u2pl-silo flags&gt;</c>: an Orleans silo configured exactly as <c>u2pl-silo</c>
/// (<see cref="U2plSiloBuilderExtensions.AddU2plSilo"/>: Redis membership, directory and storage, failure-detection
/// timing, message size, placement, TLS, fatal-error exit) that also hosts this assembly's benchmark grains, with the
/// <c>/healthz</c> and <c>/readyz</c> endpoints the process fixture waits on. No dashboard and no metrics endpoint,
/// which the benchmark does not read.
/// </summary>
internal static class BenchSilo
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (flags, problems) = SiloCommandLine.Parse(args, Environment.GetEnvironmentVariable);
        if (problems.Count > 0)
        {
            foreach (var problem in problems) Console.Error.WriteLine($"bench silo: {problem}");
            return 2;
        }
        var builder = WebApplication.CreateSlimBuilder();
        flags.AddTo(builder.Configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        if (flags.HealthPort > 0)
        {
            builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<U2plSiloOptions>>((kestrel, silo) =>
                kestrel.Listen(IPAddress.Parse(silo.Value.ListenAddress), flags.HealthPort));
        }
        try
        {
            builder.UseOrleans(silo => silo.AddU2plSilo(builder.Configuration).Services.AddSyntheticScenes());
        }
        catch (OptionsValidationException e)
        {
            foreach (var problem in e.Failures) Console.Error.WriteLine($"bench silo: {problem}");
            return 2;
        }
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (IClusterMembershipService membership, ILocalSiloDetails local) =>
            membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress) == SiloStatus.Active
                ? Results.Text($"active {local.SiloAddress}")
                : Results.Text($"not active {local.SiloAddress}", statusCode: StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync();
        await app.WaitForShutdownAsync();
        // As u2pl-silo: libtorch work outside grain turns (a validation, a worker's loop) ends before the process exits.
        await app.Services.GetRequiredService<NativeWork>().WhenEnded();
        await app.DisposeAsync();
        return Environment.ExitCode;
    }
}
