using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Reflection;
using System.Runtime.Loader;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Hosting;
using U2PL.Silo;

// u2pl-silo: hosts grains of the U2PL cluster. SIGTERM/SIGINT stop it gracefully (exit 0); a silo that finds itself
// declared dead by the others stops and exits 3, so that a supervisor restarts it as a new incarnation.
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
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
builder.Services.Configure<SiloOptions>(o =>
{
    o.Roles = flags.Roles;
    o.GpuSlots = flags.GpuSlots;
    o.SiloPort = flags.Port;
    o.GatewayPort = flags.GatewayPort;
    o.HealthPort = flags.HealthPort;
    o.AdvertisedHost = flags.Host;
    o.ListenAddress = flags.Listen;
});
builder.Services.Configure<ClusterOptions>(o =>
{
    o.ClusterId = flags.ClusterId;
    o.ClusterKey = flags.ClusterKey;
});
builder.Services.Configure<ClusterMembershipOptions>(o =>
{
    if (flags.DeathTimeoutSeconds is { } death)
    {
        o.DeathTimeout = TimeSpan.FromSeconds(death);
        o.IAmAlivePeriod = TimeSpan.FromSeconds(Math.Min(1, death / 4));
        o.RefreshPeriod = TimeSpan.FromSeconds(Math.Min(1, death / 4));
        o.ProbeTimeout = TimeSpan.FromSeconds(Math.Min(2, death / 3));
    }
});
builder.Services.Configure<MessagingOptions>(o =>
{
    if (flags.ResponseTimeoutSeconds is { } timeout) o.ResponseTimeout = TimeSpan.FromSeconds(timeout);
});
builder.Services.UseClustering(flags.Cluster);
builder.UseU2plSilo(silo =>
{
    foreach (var path in flags.GrainAssemblies) silo.AddGrains(LoadGrainAssembly(path));
    var bundled = Path.Combine(AppContext.BaseDirectory, "U2PL.Grains.dll");
    if (File.Exists(bundled)) silo.AddGrains(LoadGrainAssembly(bundled));
});

U2PL.Runtime.Hosting.Silo silo;
try
{
    var app = builder.Build(); // invalid options already fail here (Kestrel builds the silo's connection handlers)
    app.MapSiloHealthEndpoints();
    silo = app.Services.GetRequiredService<U2PL.Runtime.Hosting.Silo>(); // resolved first: RunAsync disposes the services
    await app.RunAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    foreach (var failure in e.Failures) Console.Error.WriteLine($"u2pl-silo: {failure}");
    return 2;
}
return silo.WasDeclaredDead ? SiloCommandLine.DeclaredDeadExitCode : Environment.ExitCode;

// Grain assemblies load into the default context; their own dependencies resolve from their folder.
static Assembly LoadGrainAssembly(string path)
{
    var full = Path.GetFullPath(path);
    var resolver = new AssemblyDependencyResolver(full);
    AssemblyLoadContext.Default.Resolving += (context, name) =>
        resolver.ResolveAssemblyToPath(name) is { } resolved ? context.LoadFromAssemblyPath(resolved) : null;
    return AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
}
