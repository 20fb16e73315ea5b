using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
builder.Logging.ClearProviders();
if (flags.JsonLogs) builder.Logging.AddJsonConsole();
else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Orleans", LogLevel.Warning);
builder.Logging.AddFilter("Polly", LogLevel.Warning);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
if (flags.HealthPort > 0)
{
    builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(flags.Listen), flags.HealthPort));
}
builder.Services.AddSingleton<PrometheusText>();
builder.Services.AddOtlpMetricsWhenConfigured(builder.Configuration);
ClusterTls? tls;
try
{
    tls = ClusterTls.From(flags.TlsCertificate, flags.TlsKey, flags.TlsCa, Environment.GetEnvironmentVariable);
    tls?.Load();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"u2pl-silo: {e.Message}");
    return 2;
}
builder.UseOrleans(silo =>
{
    silo.AddU2plSilo(new U2plSiloOptions
    {
        Cluster = flags.Cluster, ClusterId = flags.ClusterId, Roles = flags.Roles, GpuSlots = flags.GpuSlots,
        SiloPort = flags.Port, GatewayPort = flags.GatewayPort, AdvertisedHost = flags.Host, ListenAddress = flags.Listen,
        DeathTimeout = flags.DeathTimeoutSeconds is { } death ? TimeSpan.FromSeconds(death) : null,
        ResponseTimeout = flags.ResponseTimeoutSeconds is { } timeout ? TimeSpan.FromSeconds(timeout) : null,
        Tls = tls,
    });
    silo.Services.AddSyntheticScenes(); // dataset.type: synthetic, beside the file types
    if (flags.Kubernetes)
    {
        silo.UseKubernetesHosting();
    }
    silo.AddDashboard();
});

WebApplication app;
try
{
    app = builder.Build();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"u2pl-silo: {e.Message}");
    return 2;
}
app.MapSiloHealthEndpoints();
app.UseU2plWebAccess(new WebAccessOptions { Token = flags.DashboardToken, Public = flags.DashboardPublic }, SiloEndpoints.DashboardRoute, RunPageEndpoints.Route);
app.MapOrleansDashboard(SiloEndpoints.DashboardRoute);
app.MapRunPages(SiloEndpoints.DashboardRoute);
try
{
    await app.RunAsync();
}
catch (Exception e) when (e is ArgumentException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine($"u2pl-silo: {e.Message}");
    return 2;
}
return Environment.ExitCode;
