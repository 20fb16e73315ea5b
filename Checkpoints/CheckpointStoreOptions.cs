using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace U2PL.Checkpoints;

/// <summary>How <see cref="CheckpointStores.Open"/> builds a store; the defaults suit training checkpoints.</summary>
public sealed record CheckpointStoreOptions
{
    /// <summary>The environment variable holding an Azure Storage connection string (account key or SAS).</summary>
    public const string ConnectionStringVariable = "U2PL_BLOB_CONNECTION_STRING";

    /// <summary>
    /// The environment variable naming a file that holds it (a mounted Kubernetes secret). An empty file counts as
    /// no connection string, so that a deployment can keep the secret mounted and use a token credential instead.
    /// </summary>
    public const string ConnectionStringFileVariable = "U2PL_BLOB_CONNECTION_STRING_FILE";

    /// <summary>
    /// The Azure Storage connection string for <c>azure://</c> stores (account key, SAS or
    /// <c>UseDevelopmentStorage=true</c>); null: from <see cref="ConnectionStringVariable"/>, else the file named by
    /// <see cref="ConnectionStringFileVariable"/>, else <see cref="BlobTokenCredential"/>.
    /// </summary>
    public string? BlobConnectionString { get; init; }

    /// <summary>
    /// The Microsoft Entra ID credential for <c>azure://</c> stores when there is no connection string; null:
    /// Azure.Identity's <c>DefaultAzureCredential</c> limited to the environment, workload identity and managed identity.
    /// </summary>
    public TokenCredential? BlobTokenCredential { get; init; }

    /// <summary>
    /// The blob service a token credential authenticates to; null: <c>https://ACCOUNT.blob.core.windows.net</c>. Set it
    /// for a sovereign cloud or an emulator (with the account in the path, <c>https://127.0.0.1:10000/devstoreaccount1</c>).
    /// </summary>
    public Uri? BlobServiceUri { get; init; }

    /// <summary>Bytes per block: the unit of upload (Azure Put Block), of checksums, and of memory use. Default 8 MiB.</summary>
    public int BlockSize { get; init; } = 8 << 20;

    /// <summary>Retries of one blob request after a 408/429/5xx, a network error or a timeout (the SDK's retry policy). Default 8.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>The first retry delay, doubled each retry (with jitter); a longer Retry-After from the service wins. Default 0.5 s.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest backoff between retries. Default 60 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one blob request attempt may take before it is abandoned and retried. Default 100 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Receives retries and container creation; null: silent.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The HTTP transport of blob requests; null: the SDK's. Tests use it to trust a self-signed emulator.</summary>
    internal HttpPipelineTransport? BlobTransport { get; init; }

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
}
