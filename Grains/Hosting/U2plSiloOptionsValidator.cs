using System.Net;
using Microsoft.Extensions.Options;

namespace U2PL.Grains.Hosting;

/// <summary>
/// The semantic checks of <see cref="U2plSiloOptions"/>, every problem at once. Each message names the
/// <c>u2pl-silo</c> flag and the configuration key, so that it reads right whichever way the value was set.
/// </summary>
public sealed class U2plSiloOptionsValidator : IValidateOptions<U2plSiloOptions>
{
    private static readonly string[] KnownRoles = ["gpu", "state", "shard", "all"];

    public ValidateOptionsResult Validate(string? name, U2plSiloOptions options)
    {
        var problems = new List<string>();
        Cluster(options, problems);
        if (string.IsNullOrWhiteSpace(options.ClusterId)) problems.Add($"{Setting("--cluster-id", nameof(options.ClusterId))}: must not be empty.");
        var roles = options.RoleList();
        if (roles.Count == 0) problems.Add($"{Setting("--role", nameof(options.Roles))}: no role given (gpu, state, shard or all).");
        if (roles.Except(KnownRoles).ToList() is { Count: > 0 } unknown)
            problems.Add($"{Setting("--role", nameof(options.Roles))}: unknown role(s) {string.Join(", ", unknown)} (gpu, state, shard or all).");
        if (options.GpuSlots < 0) problems.Add($"{Setting("--gpu-slots", nameof(options.GpuSlots))}: {options.GpuSlots} is negative.");
        if (options.SiloPort is <= 0 or > 65535) problems.Add($"{Setting("--port", nameof(options.SiloPort))}: {options.SiloPort} is not a TCP port.");
        if (options.GatewayPort is < 0 or > 65535) problems.Add($"{Setting("--gateway-port", nameof(options.GatewayPort))}: {options.GatewayPort} is not a TCP port.");
        if (options.GatewayPort == options.SiloPort)
            problems.Add($"{Setting("--gateway-port", nameof(options.GatewayPort))} must differ from --port ({options.SiloPort}).");
        if (options.DataPlane)
        {
            if (options.DataPlanePort is < 0 or > 65535)
                problems.Add($"{Setting("--data-plane-port", nameof(options.DataPlanePort))}: {options.DataPlanePort} is not a TCP port.");
            else if (options.DataPlanePort != 0 && (options.DataPlanePort == options.SiloPort || options.DataPlanePort == options.GatewayPort))
                problems.Add($"{Setting("--data-plane-port", nameof(options.DataPlanePort))} must differ from --port ({options.SiloPort}) and --gateway-port ({options.GatewayPort}).");
            if (options.DataPlaneNice is < 0 or > 19)
                problems.Add($"{Setting("--data-plane-nice", nameof(options.DataPlaneNice))}: {options.DataPlaneNice} is not within 0..19.");
        }
        if (string.IsNullOrWhiteSpace(options.AdvertisedHost)) problems.Add($"{Setting("--host", nameof(options.AdvertisedHost))}: must not be empty.");
        if (!IPAddress.TryParse(options.ListenAddress, out _))
            problems.Add($"{Setting("--listen", nameof(options.ListenAddress))}: '{options.ListenAddress}' is not an IP address.");
        if (options.DeathTimeout is { } death && death <= TimeSpan.Zero)
            problems.Add($"{Setting("--death-timeout", nameof(options.DeathTimeout))}: {death} is not a positive time.");
        if (options.ResponseTimeout is { } response && response <= TimeSpan.Zero)
            problems.Add($"{Setting("--response-timeout", nameof(options.ResponseTimeout))}: {response} is not a positive time.");
        if (options.MaxMessageBodySize <= 0)
            problems.Add($"{U2plSiloOptions.Key(nameof(options.MaxMessageBodySize))}: {options.MaxMessageBodySize} is not a positive size.");
        Tls(options, problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Cluster(U2plSiloOptions options, List<string> problems)
    {
        var setting = Setting("--cluster", nameof(options.Cluster));
        if (options.IsRedis)
        {
            try
            {
                RedisEndpoint.Parse(options.Cluster);
            }
            catch (ArgumentException e)
            {
                problems.Add($"{setting}: {e.Message}.");
            }
        }
        else if (!options.Cluster.Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{setting}: '{options.Cluster}' is neither 'local' nor a redis://host:port address.");
        }
    }

    private static void Tls(U2plSiloOptions options, List<string> problems)
    {
        var files = new[]
        {
            (Setting: Setting("--tls-cert", nameof(options.TlsCertificate)), Path: options.TlsCertificate),
            (Setting: Setting("--tls-key", nameof(options.TlsKey)), Path: options.TlsKey),
            (Setting: Setting("--tls-ca", nameof(options.TlsCa)), Path: options.TlsCa),
        };
        var given = files.Count(f => !string.IsNullOrEmpty(f.Path));
        if (given is > 0 and < 3)
        {
            var missing = files.Where(f => string.IsNullOrEmpty(f.Path)).Select(f => f.Setting);
            problems.Add($"TLS needs a certificate, its key and the cluster's CA: {string.Join(", ", missing)} missing.");
        }
        if (given == 0 && !options.Insecure && options.IsRedis)
            problems.Add("a cluster silo authenticates its peers: give --tls-cert, --tls-key and --tls-ca " +
                         $"({U2plSiloOptions.Key("TlsCertificate")}, TlsKey, TlsCa, or U2PL_TLS_*), or {Setting("--insecure", nameof(options.Insecure))} for plain TCP.");
        if (given > 0 && options.Insecure) problems.Add($"{Setting("--insecure", nameof(options.Insecure))} and TLS files exclude each other.");
    }

    private static string Setting(string flag, string property) => $"{flag} ({U2plSiloOptions.Key(property)})";
}
