using Azure.Core;
using Azure.Storage.Blobs;

namespace U2PL.Checkpoints.Azure;

/// <summary>Builds the SDK's container client for <c>azure://ACCOUNT/CONTAINER</c>: credentials, retries, per-try timeout.</summary>
internal static class BlobContainerConnector
{
    /// <summary>
    /// The newest Blob service version Azurite 3.35.0 (the tests' emulator) accepts, pinned so that the tests and
    /// production speak the same version.
    /// </summary>
    public const BlobClientOptions.ServiceVersion ServiceVersion = BlobClientOptions.ServiceVersion.V2025_11_05;

    public static (BlobContainerClient Container, BlobCredentials Credentials) Connect(string location, string account, string container, CheckpointStoreOptions options)
    {
        var credentials = BlobCredentials.Choose(options);
        var clientOptions = ClientOptions(options);
        BlobContainerClient client;
        if (credentials.ConnectionString is { } connectionString)
        {
            try
            {
                client = new BlobContainerClient(connectionString, container, clientOptions);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new CheckpointStoreException($"{location}: {credentials.Tried} is not a valid Azure Storage connection string: {e.Message}", e);
            }
            if (!string.Equals(client.AccountName, account, StringComparison.OrdinalIgnoreCase))
            {
                throw new CheckpointStoreException($"{location}: {credentials.Tried} is for account '{client.AccountName}', not '{account}'");
            }
        }
        else
        {
            var service = options.BlobServiceUri ?? new Uri($"https://{account}.blob.core.windows.net");
            client = new BlobContainerClient(new Uri(service.AbsoluteUri.TrimEnd('/') + "/" + container), credentials.Token!, clientOptions);
        }
        return (client, credentials);
    }

    private static BlobClientOptions ClientOptions(CheckpointStoreOptions options)
    {
        var client = new BlobClientOptions(ServiceVersion);
        // The SDK's own retry policy: 408/429/5xx and network errors, Retry-After honoured (it wins over a shorter
        // backoff), each try abandoned after NetworkTimeout.
        client.Retry.Mode = RetryMode.Exponential;
        client.Retry.MaxRetries = options.MaxRetries;
        client.Retry.Delay = options.RetryBaseDelay;
        client.Retry.MaxDelay = options.RetryMaxDelay;
        client.Retry.NetworkTimeout = options.AttemptTimeout;
        client.Diagnostics.IsLoggingEnabled = false;
        client.Diagnostics.IsTelemetryEnabled = false;
        client.Diagnostics.IsDistributedTracingEnabled = false;
        if (options.Logger is { } logger)
        {
            client.AddPolicy(new RetryLogPolicy(logger), HttpPipelinePosition.PerRetry);
        }
        if (options.BlobTransport is { } transport)
        {
            client.Transport = transport;
        }
        return client;
    }
}
