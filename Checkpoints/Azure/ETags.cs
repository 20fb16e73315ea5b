using Azure;
using Azure.Storage.Blobs.Models;

namespace U2PL.Checkpoints.Azure;

/// <summary>The store's ETags and write conditions in the SDK's terms.</summary>
internal static class ETags
{
    /// <summary>The store's ETags are the service's without the quotes, as they always were.</summary>
    public static string Unquote(ETag etag) => etag == default ? "" : etag.ToString().Trim('"');

    /// <summary>If-Match on the quoted ETag, or If-None-Match: * for <see cref="WriteCondition.IfNotExists"/>; null: none.</summary>
    public static BlobRequestConditions? ToRequestConditions(this WriteCondition condition) =>
        condition.IfMatch is { } etag ? new BlobRequestConditions { IfMatch = new ETag("\"" + etag + "\"") }
        : condition.IfNotExists ? new BlobRequestConditions { IfNoneMatch = ETag.All }
        : null;
}
