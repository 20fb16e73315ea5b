using U2PL.Checkpoints.Azure;
using U2PL.Checkpoints.Files;

namespace U2PL.Checkpoints;

/// <summary>Opens a store from its URI (the config's <c>checkpoint.store</c>).</summary>
public static class CheckpointStores
{
    /// <summary>
    /// <c>file:///path</c> or a plain path: a directory (<see cref="FileCheckpointStore"/>);
    /// <c>azure://ACCOUNT/CONTAINER/PREFIX</c>: a blob container (<see cref="AzureBlobCheckpointStore"/>), credentials
    /// from <see cref="CheckpointStoreOptions.BlobConnectionString"/>, the environment, else a Microsoft Entra ID token
    /// credential. Opening does no I/O.
    /// </summary>
    public static ICheckpointStore Open(string uri, CheckpointStoreOptions? options = null)
    {
        options ??= new CheckpointStoreOptions();
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"{uri}: " + string.Join("; ", problems));
        }
        if (!IsUri(uri))
        {
            return new FileCheckpointStore(uri, options.BlockSize);
        }
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            throw new ArgumentException($"{uri}: not a valid checkpoint store URI (expected file:///path or azure://account/container/prefix)");
        }
        return parsed.Scheme switch
        {
            "file" when parsed.Host.Length == 0 => new FileCheckpointStore(parsed.LocalPath, options.BlockSize, uri),
            "file" => throw new ArgumentException($"{uri}: a file store URI has no host: file:///absolute/path"),
            "azure" => OpenAzure(uri, parsed, options),
            _ => throw new ArgumentException($"{uri}: unsupported checkpoint store scheme '{parsed.Scheme}' (expected file:///path or azure://account/container/prefix)"),
        };
    }

    /// <summary>Whether <paramref name="value"/> is a store URI (<c>scheme://...</c>) rather than a plain path.</summary>
    public static bool IsUri(string value)
    {
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        return scheme > 1 && value[..scheme].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }

    private static AzureBlobCheckpointStore OpenAzure(string uri, Uri parsed, CheckpointStoreOptions options)
    {
        var account = parsed.Host;
        var segments = parsed.AbsolutePath.Trim('/').Split('/', 2);
        var container = segments[0];
        var prefix = segments.Length > 1 ? segments[1].Trim('/') : "";
        if (account.Length == 0 || !IsContainerName(container))
        {
            throw new ArgumentException($"{uri}: expected azure://account/container/prefix with a container name of 3-63 lowercase letters, digits and '-'");
        }
        if (prefix.Length > 0 && !ObjectNames.IsValid(prefix))
        {
            throw new ArgumentException($"{uri}: invalid prefix '{prefix}'");
        }
        var (client, credentials) = BlobContainerConnector.Connect(uri, account, container, options);
        return new AzureBlobCheckpointStore(uri, client, credentials, prefix, options);
    }

    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && name[0] != '-' && !name.Contains("--");
}
