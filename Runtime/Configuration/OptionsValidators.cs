using Microsoft.Extensions.Options;

namespace U2PL.Runtime.Configuration;

/// <summary>Validates <see cref="ClusterOptions"/>, listing every problem at once.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId)) problems.Add("ClusterId must not be empty.");
        if (options.ClusterKey.Length < 16)
            problems.Add("ClusterKey must be at least 16 characters (--cluster-key, U2PL_CLUSTER_KEY or --cluster-key-file).");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Validates <see cref="SiloOptions"/>, listing every problem at once.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    private static readonly string[] KnownRoles = ["gpu", "state", "all"];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AdvertisedHost)) problems.Add("AdvertisedHost must not be empty.");
        if (options.SiloPort is < 1 or > 65535) problems.Add($"SiloPort {options.SiloPort} is not in 1..65535.");
        if (options.GatewayPort is < 0 or > 65535) problems.Add($"GatewayPort {options.GatewayPort} is not in 0..65535 (0: no gateway).");
        if (options.GatewayPort == options.SiloPort) problems.Add("GatewayPort must differ from SiloPort.");
        if (options.Roles.Count == 0) problems.Add("At least one role is required (gpu, state or all).");
        foreach (var role in options.Roles.Where(r => !KnownRoles.Contains(r, StringComparer.OrdinalIgnoreCase)))
            problems.Add($"Unknown role '{role}' (gpu, state or all).");
        if (options.GpuSlots < 0) problems.Add("GpuSlots must not be negative.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Validates <see cref="MessagingOptions"/>, listing every problem at once.</summary>
public sealed class MessagingOptionsValidator : IValidateOptions<MessagingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MessagingOptions options)
    {
        var problems = new List<string>();
        if (options.ResponseTimeout <= TimeSpan.Zero) problems.Add("ResponseTimeout must be positive.");
        if (options.ChunkSize < 4096) problems.Add("ChunkSize must be at least 4096.");
        if (options.MaxFrameSize < options.ChunkSize) problems.Add("MaxFrameSize must be at least ChunkSize.");
        if (options.ReceiveBlockSize is < 4096 or > 16 << 20) problems.Add("ReceiveBlockSize must be in 4 KiB..16 MiB.");
        if (options.MaxMessageSize < options.MaxFrameSize) problems.Add("MaxMessageSize must be at least MaxFrameSize.");
        if (options.HandshakeTimeout <= TimeSpan.Zero) problems.Add("HandshakeTimeout must be positive.");
        if (options.MaxRetries < 0) problems.Add("MaxRetries must not be negative.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Validates <see cref="ClusterMembershipOptions"/>, listing every problem at once.</summary>
public sealed class ClusterMembershipOptionsValidator : IValidateOptions<ClusterMembershipOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClusterMembershipOptions options)
    {
        var problems = new List<string>();
        if (options.IAmAlivePeriod <= TimeSpan.Zero) problems.Add("IAmAlivePeriod must be positive.");
        if (options.RefreshPeriod <= TimeSpan.Zero) problems.Add("RefreshPeriod must be positive.");
        if (options.DeathTimeout <= options.IAmAlivePeriod * 2) problems.Add("DeathTimeout must exceed two IAmAlivePeriods.");
        if (options.ProbeTimeout <= TimeSpan.Zero) problems.Add("ProbeTimeout must be positive.");
        if (options.CollectionAge <= TimeSpan.Zero) problems.Add("CollectionAge must be positive.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Validates <see cref="ClientOptions"/>, listing every problem at once.</summary>
public sealed class ClientOptionsValidator : IValidateOptions<ClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClientOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClientId)) problems.Add("ClientId must not be empty.");
        foreach (var gateway in options.Gateways)
        {
            var colon = gateway.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                problems.Add($"Gateway '{gateway}' is not host:port.");
        }
        if (options.GatewayRefreshPeriod <= TimeSpan.Zero) problems.Add("GatewayRefreshPeriod must be positive.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
