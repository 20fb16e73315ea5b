using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace U2PL.Grains.Hosting;

/// <summary>
/// How a U2PL silo joins its cluster, bound from the configuration section <c>U2pl:Silo</c> (<see cref="SectionName"/>):
/// <c>u2pl-silo</c>'s flags, <c>appsettings.json</c>, <c>U2pl__Silo__*</c> environment variables, or the demo's
/// in-process silo. <see cref="U2plSiloOptionsValidator"/> checks it when the silo is built and again on start.
/// </summary>
public sealed class U2plSiloOptions
{
    public const string SectionName = "U2pl:Silo";

    /// <summary>Orleans' service id of every U2PL cluster (clients and Kubernetes labels name it too).</summary>
    public const string ServiceId = "u2pl";

    public const int DefaultMaxMessageBodySize = 512 << 20;

    /// <summary><c>local</c> (one process, localhost clustering and memory storage) or a Redis endpoint (<c>redis://[:password@]host:port</c>). Default <c>local</c>.</summary>
    public string Cluster { get; set; } = "local";

    /// <summary>The cluster's id inside the store (several clusters may share one Redis). Default <c>u2pl</c>.</summary>
    public string ClusterId { get; set; } = "u2pl";

    /// <summary>Roles hosted, a comma list of <c>gpu</c>, <c>state</c> and <c>all</c>. Default <c>all</c>.</summary>
    public string Roles { get; set; } = "all";

    /// <summary>GPU-slot activations (workers) this silo may host. Default 0.</summary>
    public int GpuSlots { get; set; }

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port, 0 for none. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo on (an IP or a host name). Default <c>127.0.0.1</c>.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>The IP address to bind; <c>0.0.0.0</c> or <c>::</c> listens on every address. Default <c>0.0.0.0</c>.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>How long a silo may stay silent before the others declare it dead. Default null: Orleans' own (~12 s).</summary>
    public TimeSpan? DeathTimeout { get; set; }

    /// <summary>The default per-call deadline. Default null: Orleans' own (30 s).</summary>
    public TimeSpan? ResponseTimeout { get; set; }

    /// <summary>The largest message body (a run's weights travel in one message per shard). Default 512 MiB.</summary>
    public int MaxMessageBodySize { get; set; } = DefaultMaxMessageBodySize;

    /// <summary>This silo's certificate (PEM). With <see cref="TlsKey"/> and <see cref="TlsCa"/>: mutual TLS on every connection.</summary>
    public string? TlsCertificate { get; set; }

    /// <summary>The certificate's private key (PEM).</summary>
    public string? TlsKey { get; set; }

    /// <summary>The cluster's CA (PEM): every silo and client must present a certificate it signed.</summary>
    public string? TlsCa { get; set; }

    /// <summary>Plain TCP without peer authentication, which a Redis cluster refuses otherwise. Default false.</summary>
    public bool Insecure { get; set; }

    /// <summary>
    /// Whether the silo hosts the tensor data plane: gradients, weights and BN statistics between workers and shards
    /// travel over it (mutual TLS with the files above, plain TCP when insecure) instead of in Orleans messages. Default true.
    /// </summary>
    public bool DataPlane { get; set; } = true;

    /// <summary>The data plane's TCP port; 0 picks a free one (several silos on one host). Default 11112, beside the silo port.</summary>
    public int DataPlanePort { get; set; } = DefaultDataPlanePort;

    public const int DefaultDataPlanePort = 11112;

    /// <summary>
    /// How many Linux nice steps below the silo the data plane's threads run (0..19): higher keeps grain calls between
    /// silos fast while a transfer saturates the cores, at the cost of the transfer's speed where other work competes
    /// (bench/RESULTS.md, "With the data plane on threads of its own"). Default 0: the silo's priority.
    /// </summary>
    public int DataPlaneNice { get; set; }

    /// <summary>The full configuration key of a property, e.g. <c>U2pl:Silo:GpuSlots</c>.</summary>
    public static string Key(string property) => $"{SectionName}:{property}";

    public bool IsRedis => RedisEndpoint.IsRedis(Cluster);

    /// <summary><see cref="Roles"/> as a list.</summary>
    public IReadOnlyList<string> RoleList() => Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The TLS files, or null for plain TCP.</summary>
    public ClusterTls? Tls() =>
        TlsCertificate is { Length: > 0 } certificate && TlsKey is { Length: > 0 } key && TlsCa is { Length: > 0 } ca ? new ClusterTls(certificate, key, ca) : null;

    /// <summary>
    /// Binds <paramref name="section"/> and validates the result as the options system will: unknown keys and values
    /// that do not convert are problems too. Throws an <see cref="OptionsValidationException"/> naming every problem.
    /// </summary>
    public static U2plSiloOptions Read(IConfiguration section)
    {
        var options = new U2plSiloOptions();
        try
        {
            section.Bind(options, Strict);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(U2plSiloOptions), [e.Message]);
        }
        var result = new U2plSiloOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed) throw new OptionsValidationException(Options.DefaultName, typeof(U2plSiloOptions), result.Failures);
        return options;
    }

    /// <summary>A misspelt key (<c>U2pl__Silo__GpuSlot</c>) is an error, not a silently ignored setting.</summary>
    internal static void Strict(BinderOptions binder) => binder.ErrorOnUnknownConfiguration = true;
}
