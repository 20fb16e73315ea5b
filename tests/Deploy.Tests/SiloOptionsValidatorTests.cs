using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using U2PL.Grains.Hosting;

namespace U2PL.Deploy.Tests;

/// <summary>
/// <see cref="U2plSiloOptionsValidator"/>: each rule fails with a message naming the flag and the configuration key, all
/// problems at once; <see cref="U2plSiloOptions.Read"/> binds strictly and throws them together.
/// </summary>
public class SiloOptionsValidatorTests
{
    private static IReadOnlyList<string> Problems(Action<U2plSiloOptions> change)
    {
        var options = new U2plSiloOptions();
        change(options);
        var result = new U2plSiloOptionsValidator().Validate(Options.DefaultName, options);
        return result.Failed ? [.. result.Failures] : [];
    }

    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(Problems(_ => { }));
        Assert.Equal((true, 11112), (new U2plSiloOptions().DataPlane, U2plSiloOptions.DefaultDataPlanePort));
    }

    [Fact]
    public void A_data_plane_on_a_free_port_or_switched_off_is_valid()
    {
        Assert.Empty(Problems(o => o.DataPlanePort = 0));
        Assert.Empty(Problems(o => { o.DataPlane = false; o.DataPlanePort = 11111; }));
        Assert.Empty(Problems(o => { o.DataPlane = false; o.DataPlanePort = -1; }));
    }

    [Fact]
    public void A_redis_cluster_with_tls_files_or_insecure_is_valid()
    {
        Assert.Empty(Problems(o =>
        {
            o.Cluster = "redis://:secret@redis:6379";
            o.Roles = "gpu, state";
            o.GpuSlots = 2;
            o.TlsCertificate = "silo.crt";
            o.TlsKey = "silo.key";
            o.TlsCa = "ca.crt";
            o.DeathTimeout = TimeSpan.FromSeconds(4);
            o.ListenAddress = "::";
        }));
        Assert.Empty(Problems(o => { o.Cluster = "redis://127.0.0.1:6379"; o.Insecure = true; }));
    }

    [Theory]
    [InlineData("Cluster", "--cluster (U2pl:Silo:Cluster)", "neither 'local' nor")]
    [InlineData("RedisAddress", "--cluster (U2pl:Silo:Cluster)", "is not a redis://host:port address")]
    [InlineData("ClusterId", "--cluster-id (U2pl:Silo:ClusterId)", "must not be empty")]
    [InlineData("Roles", "--role (U2pl:Silo:Roles)", "unknown role(s) cpu")]
    [InlineData("NoRoles", "--role (U2pl:Silo:Roles)", "no role given")]
    [InlineData("GpuSlots", "--gpu-slots (U2pl:Silo:GpuSlots)", "-1 is negative")]
    [InlineData("SiloPort", "--port (U2pl:Silo:SiloPort)", "70000 is not a TCP port")]
    [InlineData("GatewayPort", "--gateway-port (U2pl:Silo:GatewayPort)", "-2 is not a TCP port")]
    [InlineData("SamePorts", "--gateway-port (U2pl:Silo:GatewayPort)", "must differ from --port (11111)")]
    [InlineData("DataPlanePort", "--data-plane-port (U2pl:Silo:DataPlanePort)", "-1 is not a TCP port")]
    [InlineData("DataPlanePortHigh", "--data-plane-port (U2pl:Silo:DataPlanePort)", "65536 is not a TCP port")]
    [InlineData("DataPlaneOnSiloPort", "--data-plane-port (U2pl:Silo:DataPlanePort)", "must differ from --port (11111)")]
    [InlineData("DataPlaneOnGatewayPort", "--data-plane-port (U2pl:Silo:DataPlanePort)", "and --gateway-port (30000)")]
    [InlineData("DataPlaneNice", "--data-plane-nice (U2pl:Silo:DataPlaneNice)", "20 is not within 0..19")]
    [InlineData("DataPlaneNiceNegative", "--data-plane-nice (U2pl:Silo:DataPlaneNice)", "-1 is not within 0..19")]
    [InlineData("AdvertisedHost", "--host (U2pl:Silo:AdvertisedHost)", "must not be empty")]
    [InlineData("ListenAddress", "--listen (U2pl:Silo:ListenAddress)", "'any' is not an IP address")]
    [InlineData("DeathTimeout", "--death-timeout (U2pl:Silo:DeathTimeout)", "is not a positive time")]
    [InlineData("ResponseTimeout", "--response-timeout (U2pl:Silo:ResponseTimeout)", "is not a positive time")]
    [InlineData("MaxMessageBodySize", "U2pl:Silo:MaxMessageBodySize", "is not a positive size")]
    [InlineData("PartialTls", "--tls-ca (U2pl:Silo:TlsCa)", "missing")]
    [InlineData("TlsRequired", "--tls-cert, --tls-key and --tls-ca", "or --insecure (U2pl:Silo:Insecure) for plain TCP")]
    [InlineData("InsecureWithTls", "--insecure (U2pl:Silo:Insecure)", "exclude each other")]
    public void Each_rule_names_its_flag_and_setting(string rule, string setting, string text)
    {
        Action<U2plSiloOptions> change = rule switch
        {
            "Cluster" => o => o.Cluster = "etcd://x",
            "RedisAddress" => o => { o.Cluster = "redis://"; o.Insecure = true; },
            "ClusterId" => o => o.ClusterId = " ",
            "Roles" => o => o.Roles = "gpu,cpu",
            "NoRoles" => o => o.Roles = " , ",
            "GpuSlots" => o => o.GpuSlots = -1,
            "SiloPort" => o => o.SiloPort = 70000,
            "GatewayPort" => o => o.GatewayPort = -2,
            "SamePorts" => o => o.GatewayPort = 11111,
            "DataPlanePort" => o => o.DataPlanePort = -1,
            "DataPlanePortHigh" => o => o.DataPlanePort = 65536,
            "DataPlaneOnSiloPort" => o => o.DataPlanePort = 11111,
            "DataPlaneOnGatewayPort" => o => o.DataPlanePort = 30000,
            "DataPlaneNice" => o => o.DataPlaneNice = 20,
            "DataPlaneNiceNegative" => o => o.DataPlaneNice = -1,
            "AdvertisedHost" => o => o.AdvertisedHost = "",
            "ListenAddress" => o => o.ListenAddress = "any",
            "DeathTimeout" => o => o.DeathTimeout = TimeSpan.Zero,
            "ResponseTimeout" => o => o.ResponseTimeout = TimeSpan.FromSeconds(-1),
            "MaxMessageBodySize" => o => o.MaxMessageBodySize = 0,
            "PartialTls" => o => { o.TlsCertificate = "silo.crt"; o.TlsKey = "silo.key"; },
            "TlsRequired" => o => o.Cluster = "redis://127.0.0.1:6379",
            "InsecureWithTls" => o => { o.Insecure = true; o.TlsCertificate = "a"; o.TlsKey = "b"; o.TlsCa = "c"; },
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };
        var problem = Assert.Single(Problems(change));
        Assert.Contains(setting, problem, StringComparison.Ordinal);
        Assert.Contains(text, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_throws_every_problem_at_once()
    {
        var section = Section(new() { ["GpuSlots"] = "-1", ["SiloPort"] = "0", ["Cluster"] = "redis://127.0.0.1:6379" });
        var error = Assert.Throws<OptionsValidationException>(() => U2plSiloOptions.Read(section));
        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("--gpu-slots", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("--port", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("authenticates its peers", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_refuses_unknown_keys_and_values_that_do_not_convert()
    {
        var unknown = Assert.Throws<OptionsValidationException>(() => U2plSiloOptions.Read(Section(new() { ["GpuSlot"] = "1" })));
        Assert.Contains("GpuSlot", unknown.Message, StringComparison.Ordinal);
        var notNumber = Assert.Throws<OptionsValidationException>(() => U2plSiloOptions.Read(Section(new() { ["GpuSlots"] = "two" })));
        Assert.Contains("GpuSlots", notNumber.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_binds_every_setting()
    {
        var options = U2plSiloOptions.Read(Section(new()
        {
            ["Cluster"] = "redis://redis:6379", ["ClusterId"] = "c1", ["Roles"] = "state", ["GpuSlots"] = "0", ["SiloPort"] = "11112",
            ["GatewayPort"] = "0", ["AdvertisedHost"] = "10.0.0.5", ["ListenAddress"] = "0.0.0.0", ["DeathTimeout"] = "00:00:04",
            ["ResponseTimeout"] = "00:01:00", ["MaxMessageBodySize"] = "1048576", ["Insecure"] = "true", ["DataPlane"] = "false",
            ["DataPlanePort"] = "11113",
        }));
        Assert.Equal(["state"], options.RoleList());
        Assert.Equal(TimeSpan.FromSeconds(4), options.DeathTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.ResponseTimeout);
        Assert.Equal((11112, 0, 1048576), (options.SiloPort, options.GatewayPort, options.MaxMessageBodySize));
        Assert.True(options.Insecure);
        Assert.Equal((false, 11113), (options.DataPlane, options.DataPlanePort));
        Assert.Null(options.Tls());
    }

    private static IConfigurationSection Section(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(U2plSiloOptions.Key(s.Key), s.Value)))
            .Build()
            .GetSection(U2plSiloOptions.SectionName);
}
