using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// The handful of Blob service REST operations the store needs, on one container: Put Block, Put Block List, Get Block
/// List, a ranged Get Blob, Get Blob Properties, List Blobs, Delete Blob and Create Container. Each is one retried
/// request (<see cref="BlobRequestSender"/>); errors become the store's exceptions.
/// </summary>
internal sealed class BlobRestClient(string location, Uri endpoint, string container, BlobRequestSender sender)
{
    /// <summary>The service version requested (Azurite 3.35.0 accepts up to 2025-11-05).</summary>
    public const string ServiceVersion = "2024-11-04";

    public sealed record Block(string Id, long Size);

    public sealed record BlockList(string ETag, long Length, DateTimeOffset LastModified, IReadOnlyList<Block> Blocks);

    public Task PutBlockAsync(string blob, string blockId, ReadOnlyMemory<byte> data, string md5Base64, CancellationToken cancellationToken) =>
        sender.SendAsync($"put block of '{blob}'", Build(RequestMethod.Put, blob, "comp=block&blockid=" + Uri.EscapeDataString(blockId), request =>
        {
            request.Headers.SetValue("Content-MD5", md5Base64);
            request.Headers.SetValue("Content-Type", "application/octet-stream");
            request.Content = RequestContent.Create(data);
        }), (response, token) => Expect(response, 201, $"put block of '{blob}'", _ => true, token), cancellationToken);

    public Task<(string ETag, DateTimeOffset LastModified)> PutBlockListAsync(string blob, IReadOnlyList<string> blockIds, WriteCondition condition, CancellationToken cancellationToken)
    {
        var body = new XDocument(new XElement("BlockList", blockIds.Select(id => new XElement("Latest", id)))).ToString(SaveOptions.DisableFormatting);
        var bytes = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?>" + body);
        var what = $"commit '{blob}' ({condition})";
        return sender.SendAsync(what, Build(RequestMethod.Put, blob, "comp=blocklist", request =>
        {
            request.Headers.SetValue("Content-MD5", BlockChecksum.ComputeBase64(bytes));
            request.Headers.SetValue("Content-Type", "application/xml");
            request.Headers.SetValue("x-ms-blob-content-type", "application/octet-stream");
            Conditions(request, condition);
            request.Content = RequestContent.Create(bytes);
        }), (response, token) => Expect(response, 201, what, r => (ETag(r), LastModified(r)), token), cancellationToken);
    }

    /// <summary>The committed blocks, in order, or null when there is no such blob.</summary>
    public Task<BlockList?> GetBlockListAsync(string blob, CancellationToken cancellationToken) =>
        sender.SendAsync($"get the block list of '{blob}'", Build(RequestMethod.Get, blob, "comp=blocklist&blocklisttype=committed"), async (response, token) =>
        {
            if (response.Status == 404)
            {
                return null;
            }
            if (response.Status != 200)
            {
                throw await BlobErrors.ToExceptionAsync(location, $"get the block list of '{blob}'", response, token).ConfigureAwait(false);
            }
            var document = await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, token).ConfigureAwait(false);
            var blocks = document.Root?.Element("CommittedBlocks")?.Elements("Block")
                .Select(b => new Block(b.Element("Name")!.Value, long.Parse(b.Element("Size")!.Value, CultureInfo.InvariantCulture))).ToList() ?? [];
            var length = response.Headers.TryGetValue("x-ms-blob-content-length", out var l) ? long.Parse(l, CultureInfo.InvariantCulture) : blocks.Sum(b => b.Size);
            return new BlockList(ETag(response), length, LastModified(response), blocks);
        }, cancellationToken);

    /// <summary>Reads exactly <c>destination.Length</c> bytes at <paramref name="offset"/> of the version <paramref name="etag"/>.</summary>
    public Task<int> GetRangeAsync(string blob, long offset, Memory<byte> destination, string etag, CancellationToken cancellationToken)
    {
        var what = $"read bytes {offset}..{offset + destination.Length - 1} of '{blob}'";
        return sender.SendAsync(what, Build(RequestMethod.Get, blob, "", request =>
        {
            request.Headers.SetValue("x-ms-range", $"bytes={offset}-{offset + destination.Length - 1}");
            request.Headers.SetValue("If-Match", Quote(etag));
        }), async (response, token) =>
        {
            if (response.Status is not (200 or 206))
            {
                var error = await BlobErrors.ToExceptionAsync(location, what, response, token).ConfigureAwait(false);
                throw response.Status == 412 ? new CheckpointConflictException($"{location}: '{blob}' was replaced while it was being read", error) : error;
            }
            var read = await response.ContentStream!.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, token).ConfigureAwait(false);
            if (read != destination.Length)
            {
                throw new IOException($"{what}: the response ended after {read} bytes"); // transient: retried
            }
            return read;
        }, cancellationToken);
    }

    public Task<(string ETag, long Length, DateTimeOffset LastModified)?> GetPropertiesAsync(string blob, CancellationToken cancellationToken) =>
        sender.SendAsync($"get the properties of '{blob}'", Build(RequestMethod.Head, blob, ""), async (response, token) =>
        {
            if (response.Status == 404)
            {
                return ((string, long, DateTimeOffset)?)null;
            }
            if (response.Status != 200)
            {
                throw await BlobErrors.ToExceptionAsync(location, $"get the properties of '{blob}'", response, token).ConfigureAwait(false);
            }
            response.Headers.TryGetValue("Content-Length", out var length);
            return (ETag(response), long.Parse(length ?? "0", CultureInfo.InvariantCulture), LastModified(response));
        }, cancellationToken);

    /// <summary>One page of List Blobs: the blobs under <paramref name="prefix"/> and the marker of the next page (null: last).</summary>
    public Task<(IReadOnlyList<(string Blob, long Length, string ETag, DateTimeOffset LastModified)> Blobs, string? Next)> ListAsync(string prefix, string? marker, CancellationToken cancellationToken)
    {
        var query = "restype=container&comp=list&prefix=" + Uri.EscapeDataString(prefix) + (marker is null ? "" : "&marker=" + Uri.EscapeDataString(marker));
        return sender.SendAsync($"list '{prefix}*'", Build(RequestMethod.Get, null, query), async (response, token) =>
        {
            if (response.Status == 404 && BlobErrors.Code(response) == "ContainerNotFound")
            {
                return ([], null);
            }
            if (response.Status != 200)
            {
                throw await BlobErrors.ToExceptionAsync(location, $"list '{prefix}*'", response, token).ConfigureAwait(false);
            }
            var root = (await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, token).ConfigureAwait(false)).Root!;
            var blobs = root.Element("Blobs")?.Elements("Blob").Select(b =>
            {
                var properties = b.Element("Properties")!;
                return (b.Element("Name")!.Value, long.Parse(properties.Element("Content-Length")!.Value, CultureInfo.InvariantCulture),
                    Unquote(properties.Element("Etag")!.Value), DateTimeOffset.Parse(properties.Element("Last-Modified")!.Value, CultureInfo.InvariantCulture));
            }).ToList() ?? [];
            var next = root.Element("NextMarker")?.Value;
            return ((IReadOnlyList<(string, long, string, DateTimeOffset)>)blobs, string.IsNullOrEmpty(next) ? null : next);
        }, cancellationToken);
    }

    /// <summary>Deletes the blob; false when it did not exist (and no ETag was required).</summary>
    public Task<bool> DeleteAsync(string blob, WriteCondition condition, CancellationToken cancellationToken)
    {
        var what = $"delete '{blob}' ({condition})";
        return sender.SendAsync(what, Build(RequestMethod.Delete, blob, "", request => Conditions(request, condition)), async (response, token) =>
        {
            if (response.Status == 404 && condition.IfMatch is null)
            {
                return false;
            }
            if (response.Status == 404)
            {
                throw new CheckpointConflictException($"{location}: '{blob}' was deleted by another writer (this delete expected version {condition.IfMatch})");
            }
            return await Expect(response, 202, what, _ => true, token).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task CreateContainerAsync(CancellationToken cancellationToken) =>
        sender.SendAsync($"create container '{container}'", Build(RequestMethod.Put, null, "restype=container"), async (response, token) =>
            response.Status == 409 || await Expect(response, 201, $"create container '{container}'", _ => true, token).ConfigureAwait(false), cancellationToken);

    private Action<Request> Build(RequestMethod method, string? blob, string query, Action<Request>? more = null) => request =>
    {
        request.Method = method;
        var path = blob is null ? "" : "/" + string.Join('/', blob.Split('/').Select(Uri.EscapeDataString));
        request.Uri.Reset(new Uri($"{endpoint.AbsoluteUri.TrimEnd('/')}/{container}{path}{(query.Length > 0 ? "?" + query : "")}"));
        request.Headers.SetValue("x-ms-version", ServiceVersion);
        more?.Invoke(request);
    };

    private async ValueTask<T> Expect<T>(Response response, int status, string what, Func<Response, T> result, CancellationToken cancellationToken)
    {
        if (response.Status != status)
        {
            throw await BlobErrors.ToExceptionAsync(location, what, response, cancellationToken).ConfigureAwait(false);
        }
        return result(response);
    }

    private static void Conditions(Request request, WriteCondition condition)
    {
        if (condition.IfMatch is { } etag)
        {
            request.Headers.SetValue("If-Match", Quote(etag));
        }
        if (condition.IfNotExists)
        {
            request.Headers.SetValue("If-None-Match", "*");
        }
    }

    private static string ETag(Response response) => response.Headers.TryGetValue("ETag", out var etag) ? Unquote(etag) : "";

    private static DateTimeOffset LastModified(Response response) =>
        response.Headers.TryGetValue("Last-Modified", out var value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, out var at) ? at : DateTimeOffset.UtcNow;

    private static string Quote(string etag) => "\"" + etag + "\"";

    private static string Unquote(string etag) => etag.Trim('"');
}
