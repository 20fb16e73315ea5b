using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using U2PL.Grains.Hosting;
using U2PL.Silo;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// The silo's settings as <c>u2pl-silo</c> itself reads them from a container's expanded args and environment: its
/// flag parser (<see cref="SiloCommandLine"/>), its configuration layers (<c>U2pl__Silo__*</c> variables, the legacy
/// <c>U2PL_TLS_*</c>, the flags) and its options binding and validator (<see cref="U2plSiloOptions.Read"/>).
/// </summary>
internal sealed record SiloFlags(
    IReadOnlyList<string> Roles,
    int GpuSlots,
    string Cluster,
    string ClusterId,
    int Port,
    int GatewayPort,
    int HealthPort,
    string Host,
    string Listen,
    bool Insecure,
    bool DataPlane,
    int DataPlanePort,
    IReadOnlyList<string> Problems)
{
    /// <summary>The help text the silo prints for --help.</summary>
    public static string Usage => SiloCommandLine.Usage;

    public static SiloFlags Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var (commandLine, problems) = SiloCommandLine.Parse([.. args], name => environment.GetValueOrDefault(name));
        var configuration = commandLine.AddTo(new ConfigurationBuilder().AddInMemoryCollection(
            environment.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))).Build();
        var options = new U2plSiloOptions();
        try
        {
            options = U2plSiloOptions.Read(configuration.GetSection(U2plSiloOptions.SectionName));
        }
        catch (OptionsValidationException e)
        {
            problems.AddRange(e.Failures);
            try { configuration.GetSection(U2plSiloOptions.SectionName).Bind(options); }
            catch (InvalidOperationException) { } // a value that does not convert: already a problem

        }
        return new SiloFlags(
            options.RoleList(), options.GpuSlots, options.Cluster, options.ClusterId, options.SiloPort, options.GatewayPort,
            commandLine.HealthPort, options.AdvertisedHost, options.ListenAddress, options.Insecure, options.DataPlane, options.DataPlanePort, problems);
    }
}
