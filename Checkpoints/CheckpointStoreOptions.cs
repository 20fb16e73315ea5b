using Microsoft.Extensions.Logging;

namespace U2PL.Checkpoints;

/// <summary>How <see cref="CheckpointStores.Open"/> builds a store; the defaults suit training checkpoints.</summary>
public sealed record CheckpointStoreOptions
{
    /// <summary>The environment variable holding an Azure Storage connection string (account key or SAS).</summary>
    public const string ConnectionStringVariable = "U2PL_BLOB_CONNECTION_STRING";

    /// <summary>The environment variable naming a file that holds it (a mounted Kubernetes secret).</summary>
    public const string ConnectionStringFileVariable = "U2PL_BLOB_CONNECTION_STRING_FILE";

    /// <summary>
    /// The Azure Storage connection string for <c>azure://</c> stores; null: from <see cref="ConnectionStringVariable"/>,
    /// else the file named by <see cref="ConnectionStringFileVariable"/>.
    /// </summary>
    public string? BlobConnectionString { get; init; }

    /// <summary>Bytes per block: the unit of upload (Azure Put Block), of checksums, and of memory use. Default 8 MiB.</summary>
    public int BlockSize { get; init; } = 8 << 20;

    /// <summary>Retries of one blob request after a 408/429/5xx, a network error or a timeout. Default 8.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>The first retry delay, doubled each retry (with jitter) unless the service sends Retry-After. Default 0.5 s.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest wait between retries, Retry-After included. Default 60 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one blob request attempt may take before it is abandoned and retried. Default 100 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Receives retries and container creation; null: silent.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Problems with these values, all at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BlockSize is < 1 or > 1 << 30) problems.Add($"block size must be between 1 byte and 1 GiB, got {BlockSize}");
        if (MaxRetries < 0) problems.Add($"max retries must be non-negative, got {MaxRetries}");
        if (RetryBaseDelay < TimeSpan.Zero) problems.Add($"retry base delay must be non-negative, got {RetryBaseDelay}");
        if (RetryMaxDelay < RetryBaseDelay) problems.Add($"retry max delay ({RetryMaxDelay}) must be at least the base delay ({RetryBaseDelay})");
        if (AttemptTimeout <= TimeSpan.Zero) problems.Add($"attempt timeout must be positive, got {AttemptTimeout}");
        return problems;
    }

    /// <summary>The connection string: this record's, else the environment's, else null.</summary>
    internal string? ResolveConnectionString()
    {
        if (BlobConnectionString is { Length: > 0 } explicitly)
        {
            return explicitly;
        }
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } value)
        {
            return value;
        }
        if (Environment.GetEnvironmentVariable(ConnectionStringFileVariable) is { Length: > 0 } file)
        {
            try
            {
                return File.ReadAllText(file).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointStoreException($"{ConnectionStringFileVariable}={file}: cannot read the connection string: {e.Message}", e);
            }
        }
        return null;
    }
}
