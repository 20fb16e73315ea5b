using Microsoft.Extensions.Configuration;
using U2PL.Grains.Hosting;
using U2PL.Silo;

namespace U2PL.Deploy.Tests;

/// <summary>
/// u2pl-silo's flags as a configuration layer (<see cref="SiloCommandLine"/>): each flag to its <c>U2pl:Silo</c> key,
/// flags over <c>U2pl__Silo__*</c> over the legacy <c>U2PL_TLS_*</c>, syntax errors reported by the parser.
/// </summary>
public class SiloCommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Every_silo_flag_maps_to_its_configuration_key()
    {
        var (commandLine, problems) = SiloCommandLine.Parse(
        [
            "--role", "gpu,state", "--gpu-slots", "2", "--cluster", "redis://r:6379", "--cluster-id", "c1", "--port", "11112",
            "--gateway-port", "0", "--host", "10.0.0.5", "--listen", "::", "--tls-cert", "s.crt", "--tls-key", "s.key",
            "--tls-ca", "ca.crt", "--data-plane-port", "11113", "--data-plane-nice", "5", "--death-timeout", "4", "--response-timeout", "2.5",
        ], NoEnvironment);
        Assert.Empty(problems);
        Assert.Equal(new Dictionary<string, string?>
        {
            ["U2pl:Silo:Roles"] = "gpu,state", ["U2pl:Silo:GpuSlots"] = "2", ["U2pl:Silo:Cluster"] = "redis://r:6379",
            ["U2pl:Silo:ClusterId"] = "c1", ["U2pl:Silo:SiloPort"] = "11112", ["U2pl:Silo:GatewayPort"] = "0",
            ["U2pl:Silo:AdvertisedHost"] = "10.0.0.5", ["U2pl:Silo:ListenAddress"] = "::", ["U2pl:Silo:TlsCertificate"] = "s.crt",
            ["U2pl:Silo:TlsKey"] = "s.key", ["U2pl:Silo:TlsCa"] = "ca.crt", ["U2pl:Silo:DataPlanePort"] = "11113", ["U2pl:Silo:DataPlaneNice"] = "5", ["U2pl:Silo:DeathTimeout"] = "00:00:04",
            ["U2pl:Silo:ResponseTimeout"] = "00:00:02.5000000",
        }, commandLine.Settings);
        var options = Bind(commandLine);
        Assert.Equal(["gpu", "state"], options.RoleList());
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.ResponseTimeout);
        Assert.Equal(new ClusterTls("s.crt", "s.key", "ca.crt"), options.Tls());
        Assert.Equal((true, 11113, 5), (options.DataPlane, options.DataPlanePort, options.DataPlaneNice));
    }

    [Fact]
    public void Data_plane_port_0_binds_a_free_port()
    {
        var (commandLine, problems) = SiloCommandLine.Parse(["--data-plane-port", "0"], NoEnvironment);
        Assert.Empty(problems);
        var options = Bind(commandLine);
        Assert.Equal((true, 0), (options.DataPlane, options.DataPlanePort));
    }

    [Fact]
    public void No_data_plane_is_an_off_switch_over_the_environment()
    {
        var (commandLine, problems) = SiloCommandLine.Parse(["--no-data-plane"], NoEnvironment);
        Assert.Empty(problems);
        Assert.Equal("false", commandLine.Settings["U2pl:Silo:DataPlane"]);
        Assert.False(Bind(commandLine, new() { ["U2pl:Silo:DataPlane"] = "true" }).DataPlane);
        Assert.True(Bind(SiloCommandLine.Parse([], NoEnvironment).CommandLine).DataPlane);
    }

    [Theory]
    [InlineData(new[] { "--port", "12000", "--data-plane-port", "12000" }, "--data-plane-port (U2pl:Silo:DataPlanePort) must differ from --port (12000)")]
    [InlineData(new[] { "--data-plane-port", "30000" }, "--data-plane-port (U2pl:Silo:DataPlanePort) must differ from --port (11111) and --gateway-port (30000)")]
    [InlineData(new[] { "--data-plane-port", "-1" }, "--data-plane-port (U2pl:Silo:DataPlanePort): -1 is not a TCP port.")]
    [InlineData(new[] { "--data-plane-nice", "25" }, "--data-plane-nice (U2pl:Silo:DataPlaneNice): 25 is not within 0..19.")]
    public void Data_plane_port_problems_are_the_validators_and_name_the_flag(string[] args, string expected)
    {
        var (commandLine, problems) = SiloCommandLine.Parse(args, NoEnvironment);
        Assert.Empty(problems);
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Bind(commandLine));
        Assert.StartsWith(expected, Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void No_data_plane_lifts_the_data_plane_port_checks()
    {
        var (commandLine, problems) = SiloCommandLine.Parse(["--no-data-plane", "--port", "12000", "--data-plane-port", "12000"], NoEnvironment);
        Assert.Empty(problems);
        Assert.False(Bind(commandLine).DataPlane);
    }

    [Fact]
    public void Insecure_is_a_switch_setting()
    {
        var (commandLine, problems) = SiloCommandLine.Parse(["--insecure"], NoEnvironment);
        Assert.Empty(problems);
        Assert.True(Bind(commandLine).Insecure);
    }

    [Fact]
    public void Host_flags_stay_host_settings()
    {
        var (commandLine, problems) = SiloCommandLine.Parse(
            ["--health-port", "0", "--dashboard-public", "--dashboard-token", "0123456789abcdef", "--kubernetes", "--log-format", "json"], NoEnvironment);
        Assert.Empty(problems);
        Assert.Empty(commandLine.Settings);
        Assert.Equal((0, true, "0123456789abcdef", true, true),
            (commandLine.HealthPort, commandLine.DashboardPublic, commandLine.DashboardToken, commandLine.Kubernetes, commandLine.JsonLogs));
    }

    [Fact]
    public void Flags_override_the_environment_which_overrides_the_legacy_variables()
    {
        var legacy = new Dictionary<string, string> { ["U2PL_TLS_CERT"] = "legacy.crt", ["U2PL_TLS_KEY"] = "legacy.key", ["U2PL_TLS_CA"] = "legacy-ca.crt" };
        var (commandLine, _) = SiloCommandLine.Parse(["--gpu-slots", "3", "--tls-key", "flag.key"], name => legacy.GetValueOrDefault(name));
        var environment = new Dictionary<string, string?> { ["U2pl:Silo:GpuSlots"] = "1", ["U2pl:Silo:TlsCa"] = "env-ca.crt", ["U2pl:Silo:Roles"] = "gpu" };
        var options = Bind(commandLine, environment);
        Assert.Equal(3, options.GpuSlots);
        Assert.Equal(["gpu"], options.RoleList());
        Assert.Equal(new ClusterTls("legacy.crt", "flag.key", "env-ca.crt"), options.Tls());
    }

    [Fact]
    public void Legacy_environment_fills_the_tls_files_dashboard_token_and_kubernetes()
    {
        var env = new Dictionary<string, string>
        {
            ["U2PL_TLS_CERT"] = "c", ["U2PL_TLS_KEY"] = "k", ["U2PL_TLS_CA"] = "a", ["U2PL_DASHBOARD_TOKEN"] = "0123456789abcdef", ["POD_NAME"] = "silo-0",
        };
        var (commandLine, problems) = SiloCommandLine.Parse(["--cluster", "redis://r:6379"], name => env.GetValueOrDefault(name));
        Assert.Empty(problems);
        Assert.Equal(new ClusterTls("c", "k", "a"), Bind(commandLine).Tls());
        Assert.Equal("0123456789abcdef", commandLine.DashboardToken);
        Assert.True(commandLine.Kubernetes);
    }

    [Theory]
    [InlineData(new[] { "--gpu-slots", "two" }, "--gpu-slots: 'two' is not an integer.")]
    [InlineData(new[] { "--health-port", "x" }, "--health-port: 'x' is not an integer.")]
    [InlineData(new[] { "--data-plane-port", "x" }, "--data-plane-port: 'x' is not an integer.")]
    [InlineData(new[] { "--data-plane-port" }, "--data-plane-port needs a value.")]
    [InlineData(new[] { "--death-timeout", "0" }, "--death-timeout: '0' is not a positive number of seconds.")]
    [InlineData(new[] { "--port" }, "--port needs a value.")]
    [InlineData(new[] { "--gpu" }, "Unknown argument '--gpu'.")]
    [InlineData(new[] { "--dashboard-token", "short" }, "--dashboard-token: use at least 16 characters.")]
    public void Syntax_errors_are_the_parsers(string[] args, string expected)
    {
        var (_, problems) = SiloCommandLine.Parse(args, NoEnvironment);
        Assert.Equal(expected, Assert.Single(problems));
    }

    [Fact]
    public void Semantic_errors_are_the_validators_and_name_the_flag()
    {
        var (commandLine, problems) = SiloCommandLine.Parse(["--gpu-slots", "-1", "--cluster", "redis://127.0.0.1:1"], NoEnvironment);
        Assert.Empty(problems);
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Bind(commandLine));
        Assert.Contains(error.Failures, f => f.StartsWith("--gpu-slots (U2pl:Silo:GpuSlots)", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("--tls-cert, --tls-key and --tls-ca", StringComparison.Ordinal));
    }

    [Fact]
    public void Usage_lists_every_flag_the_parser_knows()
    {
        foreach (var flag in new[] { "--role", "--gpu-slots", "--cluster", "--cluster-id", "--port", "--gateway-port", "--health-port", "--host",
                     "--listen", "--tls-cert", "--tls-key", "--tls-ca", "--insecure", "--kubernetes", "--death-timeout", "--response-timeout",
                     "--dashboard-public", "--dashboard-token", "--log-format", "--data-plane-port", "--no-data-plane" })
        {
            Assert.Contains(flag + " ", SiloCommandLine.Usage, StringComparison.Ordinal);
            var (_, problems) = SiloCommandLine.Parse(flag is "--insecure" or "--kubernetes" or "--dashboard-public" or "--no-data-plane" ? [flag] : [flag, "1"], NoEnvironment);
            Assert.DoesNotContain(problems, p => p.StartsWith("Unknown", StringComparison.Ordinal));
        }
        Assert.Contains("U2pl__Silo__", SiloCommandLine.Usage, StringComparison.Ordinal);
    }

    private static U2plSiloOptions Bind(SiloCommandLine commandLine, Dictionary<string, string?>? environment = null) =>
        U2plSiloOptions.Read(commandLine.AddTo(new ConfigurationBuilder().AddInMemoryCollection(environment ?? [])).Build()
            .GetSection(U2plSiloOptions.SectionName));
}
