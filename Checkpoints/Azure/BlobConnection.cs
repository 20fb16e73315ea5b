namespace U2PL.Checkpoints.Azure;

/// <summary>
/// Where an account's blob service is and how to sign for it, from an Azure Storage connection string:
/// <c>AccountName=..;AccountKey=..</c> (Shared Key), <c>BlobEndpoint=..;SharedAccessSignature=..</c> (SAS),
/// <c>UseDevelopmentStorage=true</c> (Azurite's defaults), with optional <c>DefaultEndpointsProtocol</c>,
/// <c>EndpointSuffix</c> and <c>BlobEndpoint</c>.
/// </summary>
internal sealed record BlobConnection(Uri BlobEndpoint, string AccountName, byte[]? AccountKey, string? SharedAccessSignature)
{
    /// <summary>Azurite's well-known development account.</summary>
    public const string DevelopmentAccount = "devstoreaccount1";

    public const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static BlobConnection Parse(string location, string account, string connectionString)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length == 2 ? pair[1] : "", StringComparer.OrdinalIgnoreCase);
        string? Get(string key) => parts.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

        if (string.Equals(Get("UseDevelopmentStorage"), "true", StringComparison.OrdinalIgnoreCase))
        {
            parts.TryAdd("AccountName", DevelopmentAccount);
            parts.TryAdd("AccountKey", DevelopmentKey);
            parts.TryAdd("BlobEndpoint", $"http://127.0.0.1:10000/{DevelopmentAccount}");
        }
        var name = Get("AccountName") ?? account;
        if (!string.Equals(name, account, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointStoreException($"{location}: the connection string is for account '{name}', not '{account}'");
        }
        var endpoint = Get("BlobEndpoint") ?? $"{Get("DefaultEndpointsProtocol") ?? "https"}://{account}.blob.{Get("EndpointSuffix") ?? "core.windows.net"}";
        if (!Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var blobEndpoint) || blobEndpoint.Scheme is not ("http" or "https"))
        {
            throw new CheckpointStoreException($"{location}: the connection string's blob endpoint '{endpoint}' is not an http(s) URL");
        }
        byte[]? key = null;
        if (Get("AccountKey") is { } encoded)
        {
            try
            {
                key = Convert.FromBase64String(encoded);
            }
            catch (FormatException e)
            {
                throw new CheckpointStoreException($"{location}: the connection string's AccountKey is not base64", e);
            }
        }
        var sas = Get("SharedAccessSignature")?.TrimStart('?');
        if (key is null && sas is null)
        {
            throw new CheckpointStoreException($"{location}: the connection string has neither AccountKey nor SharedAccessSignature");
        }
        return new BlobConnection(blobEndpoint, name, key, sas);
    }
}
