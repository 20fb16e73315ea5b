using Microsoft.Extensions.Options;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// The tensor data plane's settings (issue 22): where it listens, how large a frame it accepts, how the body is cut and
/// how often a transfer refused for a checksum mismatch is sent again.
/// </summary>
public sealed class DataPlaneOptions
{
    /// <summary>TCP port the data-plane server listens on; 0 picks a free one (tests). Default 11112, beside the silo port 11111.</summary>
    public int Port { get; set; } = 11112;

    /// <summary>Largest body a receiver accepts, in bytes; a larger frame is refused before its body is read. Default 1 GiB
    /// (ResNet-101 DeepLabv3+ is 257 MB a copy at float32).</summary>
    public long MaxFrameBytes { get; set; } = 1L << 30;

    /// <summary>The body is hashed and written in chunks of this many bytes (hash while the chunk is in cache). Default 1 MiB.</summary>
    public int ChunkBytes { get; set; } = 1 << 20;

    /// <summary>How many times a transfer refused for a checksum mismatch is sent (or fetched) again before giving up. Default 3.</summary>
    public int ChecksumRetries { get; set; } = 3;

    /// <summary>A peer that sends nothing for this long in the middle of a frame is treated as gone. Default 30 s.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest TLS handshake (or connect) before the peer is refused. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Threads of the data plane's own (<see cref="DataPlaneThreads"/>); transfers never run on the thread pool
    /// Orleans shares. Default: the processor count, within 2..8.</summary>
    public int Threads { get; set; } = Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>How much lower those threads' CPU priority is than the silo's, in Linux nice steps (0..19; 0: the same):
    /// higher lets grain calls get a core first while transfers saturate the machine, but starves the transfers where
    /// other work keeps the cores busy. Default 0.</summary>
    public int Nice { get; set; }
}

/// <summary>Lists every problem of a <see cref="DataPlaneOptions"/> at once.</summary>
public sealed class DataPlaneOptionsValidator : IValidateOptions<DataPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, DataPlaneOptions options)
    {
        var problems = new List<string>();
        if (options.Port is < 0 or > 65535) problems.Add($"DataPlane:Port {options.Port} is not a TCP port (0..65535).");
        if (options.MaxFrameBytes <= 0) problems.Add($"DataPlane:MaxFrameBytes {options.MaxFrameBytes} must be positive.");
        if (options.ChunkBytes is < 4096 or > 64 << 20) problems.Add($"DataPlane:ChunkBytes {options.ChunkBytes} must be within 4 KiB..64 MiB.");
        if (options.ChecksumRetries is < 0 or > 100) problems.Add($"DataPlane:ChecksumRetries {options.ChecksumRetries} must be within 0..100.");
        if (options.StallTimeout <= TimeSpan.Zero) problems.Add("DataPlane:StallTimeout must be positive.");
        if (options.HandshakeTimeout <= TimeSpan.Zero) problems.Add("DataPlane:HandshakeTimeout must be positive.");
        if (options.Threads is < 1 or > 64) problems.Add($"DataPlane:Threads {options.Threads} must be within 1..64.");
        if (options.Nice is < 0 or > 19) problems.Add($"DataPlane:Nice {options.Nice} must be within 0..19.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Throws an <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static DataPlaneOptions Checked(DataPlaneOptions options)
    {
        var result = new DataPlaneOptionsValidator().Validate(null, options);
        return result.Failed ? throw new OptionsValidationException(nameof(DataPlaneOptions), typeof(DataPlaneOptions), result.Failures) : options;
    }
}
