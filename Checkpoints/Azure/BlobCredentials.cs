using Azure.Core;
using Azure.Identity;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// Which credentials an <c>azure://</c> store uses, in order: the options' connection string,
/// <see cref="CheckpointStoreOptions.ConnectionStringVariable"/>, the file named by
/// <see cref="CheckpointStoreOptions.ConnectionStringFileVariable"/> (an empty file counts as none), else a Microsoft
/// Entra ID token credential. <see cref="Tried"/> says what was looked at, for the error when nothing works.
/// </summary>
internal sealed record BlobCredentials(string? ConnectionString, TokenCredential? Token, string Tried)
{
    /// <summary>What the default token credential tries, in its order.</summary>
    public const string DefaultTokenSources =
        "environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or a certificate), " +
        "workload identity (AZURE_FEDERATED_TOKEN_FILE, set on AKS pods labelled azure.workload.identity/use), " +
        "managed identity";

    public static BlobCredentials Choose(CheckpointStoreOptions options)
    {
        if (options.BlobConnectionString is { Length: > 0 } given)
        {
            return new BlobCredentials(given, null, "the connection string in the store's options");
        }
        if (Environment.GetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringVariable) is { Length: > 0 } value)
        {
            return new BlobCredentials(value, null, $"the connection string in {CheckpointStoreOptions.ConnectionStringVariable}");
        }
        var file = Environment.GetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringFileVariable);
        if (file is { Length: > 0 } && ReadSecret(file) is { Length: > 0 } fromFile)
        {
            return new BlobCredentials(fromFile, null, $"the connection string in {file} ({CheckpointStoreOptions.ConnectionStringFileVariable})");
        }
        var skipped = $"{CheckpointStoreOptions.ConnectionStringVariable} is not set and " +
                      (file is { Length: > 0 } ? $"{CheckpointStoreOptions.ConnectionStringFileVariable}={file} is empty" : $"{CheckpointStoreOptions.ConnectionStringFileVariable} is not set");
        return options.BlobTokenCredential is { } custom
            ? new BlobCredentials(null, custom, $"{skipped}; then the token credential in the store's options ({custom.GetType().Name})")
            : new BlobCredentials(null, DefaultToken(), $"{skipped}; then Microsoft Entra ID tokens from {DefaultTokenSources}");
    }

    /// <summary>The credentials a workload on Azure has; developer sign-ins (CLI, IDEs, browser) are left out on purpose.</summary>
    private static DefaultAzureCredential DefaultToken() => new(new DefaultAzureCredentialOptions
    {
        ExcludeEnvironmentCredential = false,
        ExcludeWorkloadIdentityCredential = false,
        ExcludeManagedIdentityCredential = false,
        ExcludeAzureCliCredential = true,
        ExcludeAzureDeveloperCliCredential = true,
        ExcludeAzurePowerShellCredential = true,
        ExcludeVisualStudioCredential = true,
        ExcludeVisualStudioCodeCredential = true,
        ExcludeInteractiveBrowserCredential = true,
        ExcludeBrokerCredential = true,
    });

    private static string ReadSecret(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointStoreException($"{CheckpointStoreOptions.ConnectionStringFileVariable}={file}: cannot read the connection string: {e.Message}", e);
        }
    }
}
