using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using U2PL.Grains.Hosting;
using U2PL.Silo;
using U2PL.Synthetic;
using U2PL.Web;

// u2pl-silo: an Orleans silo hosting the U2PL grains. SIGTERM/SIGINT stop it gracefully (workers finish their step and
// hand back their leases; exit 0); a silo that the cluster declares dead exits 3 (ExitOnFatalError), so that its
// supervisor starts a new incarnation.
var (flags, problems) = SiloCommandLine.Parse(args, Environment.GetEnvironmentVariable);
if (flags.Help)
{
    Console.WriteLine(SiloCommandLine.Usage);
    return 0;
}
if (problems.Count > 0)
{
    foreach (var problem in problems) Console.Error.WriteLine($"u2pl-silo: {problem}");
    Console.Error.WriteLine("Run u2pl-silo --help for the flags.");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
// The silo's settings: appsettings.json and U2pl__Silo__* environment variables, overridden by the flags.
flags.AddTo(builder.Configuration);
builder.Logging.ClearProviders();
if (flags.JsonLogs) builder.Logging.AddJsonConsole();
else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Orleans", LogLevel.Warning);
builder.Logging.AddFilter("Polly", LogLevel.Warning);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
if (flags.HealthPort > 0)
{
    builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<U2plSiloOptions>>((kestrel, silo) =>
        kestrel.Listen(IPAddress.Parse(silo.Value.ListenAddress), flags.HealthPort));
}
builder.Services.AddSingleton<PrometheusText>();
builder.Services.AddOtlpMetricsWhenConfigured(builder.Configuration);
try
{
    builder.UseOrleans(silo =>
    {
        silo.AddU2plSilo(builder.Configuration);
        silo.Services.AddSyntheticScenes(); // dataset.type: synthetic, beside the file types
        if (flags.Kubernetes)
        {
            silo.UseKubernetesHosting();
        }
        silo.AddDashboard();
    });
}
catch (Exception e) when (e is OptionsValidationException or ArgumentException)
{
    return Invalid(e);
}

WebApplication app;
try
{
    app = builder.Build();
}
catch (Exception e) when (e is OptionsValidationException or ArgumentException)
{
    return Invalid(e);
}
app.MapSiloHealthEndpoints();
app.UseU2plWebAccess(new WebAccessOptions { Token = flags.DashboardToken, Public = flags.DashboardPublic }, SiloEndpoints.DashboardRoute, RunPageEndpoints.Route);
app.MapOrleansDashboard(SiloEndpoints.DashboardRoute);
app.MapRunPages(SiloEndpoints.DashboardRoute);
try
{
    await app.StartAsync();
}
catch (Exception e) when (e is OptionsValidationException or ArgumentException)
{
    return Invalid(e);
}
await app.WaitForShutdownAsync(); // SIGTERM or SIGINT, then the silo's stop
// A validation still in its pass: libtorch work the silo's stop does not wait for, which exit() would tear libtorch
// down under (NativeWork). Before the host is disposed, so that its services and logging are still there.
await app.Services.GetRequiredService<NativeWork>().WhenEnded();
await app.DisposeAsync();
return Environment.ExitCode;

// Invalid settings (every one named) or unreadable TLS files: exit 2, as for bad flags.
static int Invalid(Exception e)
{
    foreach (var problem in e is OptionsValidationException invalid ? invalid.Failures : [e.Message]) Console.Error.WriteLine($"u2pl-silo: {problem}");
    return 2;
}
