using Azure;
using Azure.Identity;
using Azure.Storage.Blobs.Models;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// Turns what the SDK throws into the store's exceptions, with the location, the operation, the service's status and
/// error code, and what to check.
/// </summary>
internal sealed class BlobErrors(string location, BlobCredentials credentials, int attempts)
{
    public Exception Translate(string what, Exception error, CancellationToken cancellationToken) => error switch
    {
        RequestFailedException { Status: 404 } e => new CheckpointNotFoundException(Describe(what, e), e),
        RequestFailedException { Status: 409 or 412 } e => new CheckpointConflictException(Describe(what, e), e),
        RequestFailedException { Status: 400 } e when e.ErrorCode == BlobErrorCode.InvalidBlockList => new CheckpointConflictException(Describe(what, e), e),
        RequestFailedException { Status: 401 or 403 } e => new CheckpointStoreException(
            $"{Describe(what, e)} (authenticated with {credentials.Tried}: check the account key, the SAS's permissions and expiry, " +
            "or the identity's role on the account, e.g. Storage Blob Data Contributor)", e),
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } e => new CheckpointStoreException($"{Describe(what, e)} (gave up after {attempts} attempts)", e),
        RequestFailedException e => new CheckpointStoreException(Describe(what, e), e),
        AuthenticationFailedException e => new CheckpointStoreException(
            $"{location}: {what}: no credentials worked: {credentials.Tried}: {FirstLines(e.Message, 6)}", e),
        OperationCanceledException e when !cancellationToken.IsCancellationRequested =>
            new CheckpointStoreException($"{location}: {what}: timed out (gave up after {attempts} attempts): {FirstLines(e.Message, 1)}", e),
        _ => error,
    };

    private string Describe(string what, RequestFailedException e) =>
        $"{location}: {what}: HTTP {e.Status}{(e.ErrorCode is { } code ? " " + code : "")}: {FirstLines(e.Message, 1)}";

    /// <summary>The SDK's messages run on with request ids, headers and content; the first lines say what happened.</summary>
    private static string FirstLines(string message, int count) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(count));
}
