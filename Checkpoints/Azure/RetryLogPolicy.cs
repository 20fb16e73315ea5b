using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// Logs each retry the SDK's retry policy makes (it runs once per try), with what went wrong on the try before: the
/// SDK reports retries only through its event source, which our hosts do not listen to.
/// </summary>
internal sealed partial class RetryLogPolicy(ILogger logger) : HttpPipelinePolicy
{
    private const string TryProperty = "u2pl.try";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Before(message);
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (Exception e)
        {
            message.SetProperty(typeof(RetryLogPolicy), e.Message);
            throw;
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Before(message);
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            message.SetProperty(typeof(RetryLogPolicy), e.Message);
            throw;
        }
    }

    private void Before(HttpMessage message)
    {
        var attempt = message.TryGetProperty(TryProperty, out var previous) ? (int)previous! + 1 : 1;
        message.SetProperty(TryProperty, attempt);
        if (attempt > 1)
        {
            var reason = message.HasResponse ? $"HTTP {message.Response.Status} {message.Response.ReasonPhrase}"
                : message.TryGetProperty(typeof(RetryLogPolicy), out var error) ? error as string ?? "" : "";
            LogRetry(logger, message.Request.Method.ToString(), message.Request.Uri.Path, attempt, reason);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "blob {Method} {Path}: try {Attempt} after: {Reason}")]
    private static partial void LogRetry(ILogger logger, string method, string path, int attempt, string reason);
}
