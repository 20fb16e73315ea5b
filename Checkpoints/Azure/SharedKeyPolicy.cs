using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// Signs each request attempt with the account key (the Blob service's Shared Key scheme): an HMAC-SHA256 over the
/// verb, the standard headers, every <c>x-ms-*</c> header and the canonical resource. Runs per attempt, last in the
/// pipeline, so that the date and every header it signs are the ones sent.
/// </summary>
internal sealed class SharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    private static readonly string[] SignedHeaders =
    [
        "Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
        "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range",
    ];

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        var text = StringToSign(request);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(text)));
        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{signature}");
    }

    internal string StringToSign(Request request)
    {
        var text = new StringBuilder(request.Method.Method.ToUpperInvariant()).Append('\n');
        foreach (var header in SignedHeaders)
        {
            var value = header == "Content-Length" ? ContentLength(request) : request.Headers.TryGetValue(header, out var v) ? v : "";
            text.Append(value).Append('\n');
        }
        foreach (var header in request.Headers.Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Name.ToLowerInvariant(), h.Value)).OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            text.Append(header.Name).Append(':').Append(header.Value.Trim()).Append('\n');
        }
        var uri = request.Uri.ToUri();
        text.Append('/').Append(accountName).Append(uri.AbsolutePath.Length > 0 ? uri.AbsolutePath : "/");
        var parameters = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .GroupBy(p => Uri.UnescapeDataString(p[0]).ToLowerInvariant(), p => p.Length == 2 ? Uri.UnescapeDataString(p[1]) : "")
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            text.Append('\n').Append(parameter.Key).Append(':').Append(string.Join(',', parameter.Order(StringComparer.Ordinal)));
        }
        return text.ToString();
    }

    // Since service version 2015-02-21 a zero length is signed as an empty string.
    private static string ContentLength(Request request) =>
        request.Content?.TryComputeLength(out var length) == true && length > 0 ? length.ToString(CultureInfo.InvariantCulture) : "";
}

/// <summary>Adds a shared access signature (an account or container SAS from the connection string) to each request.</summary>
internal sealed class SasPolicy(string signature) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var uri = message.Request.Uri;
        uri.Query = uri.Query.Length > 1 ? uri.Query + "&" + signature : "?" + signature;
    }
}
