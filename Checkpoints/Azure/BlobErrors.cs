using System.Text;
using System.Xml.Linq;
using Azure;

namespace U2PL.Checkpoints.Azure;

/// <summary>Turns a Blob service error response into the store's exception, with the service's code and message.</summary>
internal static class BlobErrors
{
    public static string? Code(Response response) => response.Headers.TryGetValue("x-ms-error-code", out var code) ? code : null;

    public static async ValueTask<Exception> ToExceptionAsync(string location, string what, Response response, CancellationToken cancellationToken)
    {
        var code = Code(response);
        var detail = await MessageAsync(response, cancellationToken).ConfigureAwait(false);
        var text = $"{location}: {what}: HTTP {response.Status}{(code is null ? "" : " " + code)}{(detail is null ? "" : ": " + detail)}";
        return (response.Status, code) switch
        {
            (404, _) => new CheckpointNotFoundException(text),
            (409 or 412, _) or (400, "InvalidBlockList") => new CheckpointConflictException(text),
            (401 or 403, _) => new CheckpointStoreException(text + " (check the account key or the SAS's permissions and expiry)"),
            _ => new CheckpointStoreException(text),
        };
    }

    private static async ValueTask<string?> MessageAsync(Response response, CancellationToken cancellationToken)
    {
        if (response.ContentStream is not { } stream)
        {
            return null;
        }
        var buffer = new byte[8192];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }
        var body = Encoding.UTF8.GetString(buffer, 0, read);
        try
        {
            return XDocument.Parse(body).Root?.Element("Message")?.Value.Split('\n')[0].Trim();
        }
        catch (System.Xml.XmlException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
