using System.Globalization;
using System.Net.Http;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace U2PL.Checkpoints.Azure;

/// <summary>
/// Sends one logical blob request through Azure.Core's pipeline (transport, signing) under a Polly retry: each attempt
/// builds a fresh request, has its own timeout, and is retried on 408/429/5xx, network errors and timeouts, after the
/// service's Retry-After when it sends one, else after an exponential backoff with jitter. Azure.Core's own retry
/// policy is switched off so that there is one retry loop, this one.
/// </summary>
internal sealed partial class BlobRequestSender
{
    private readonly HttpPipeline _pipeline;
    private readonly ResiliencePipeline _resilience;
    private readonly ILogger? _logger;
    private readonly string _location;
    private readonly int _attempts;

    public BlobRequestSender(string location, HttpPipelinePolicy authentication, CheckpointStoreOptions options)
    {
        _location = location;
        _attempts = options.MaxRetries + 1;
        _logger = options.Logger;
        var client = new BlobClientOptions();
        client.Retry.MaxRetries = 0;
        client.Retry.NetworkTimeout = options.AttemptTimeout;
        client.Diagnostics.IsLoggingEnabled = false;
        client.Diagnostics.IsTelemetryEnabled = false;
        client.Diagnostics.IsDistributedTracingEnabled = false;
        _pipeline = HttpPipelineBuilder.Build(client, [], [authentication], new ResponseClassifier());
        _resilience = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(options.MaxRetries > 0 && args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Exception is TransientStatusException { RetryAfter: { } after } ? Min(after, options.RetryMaxDelay) : null),
                OnRetry = args =>
                {
                    if (_logger is not null)
                    {
                        LogRetry(_logger, _location, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, args.Outcome.Exception?.Message ?? "");
                    }
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>
    /// Runs <paramref name="build"/> then <paramref name="handle"/> (which reads the response whole) per attempt; a
    /// transient status never reaches <paramref name="handle"/>.
    /// </summary>
    public async Task<T> SendAsync<T>(string what, Action<Request> build, Func<Response, CancellationToken, ValueTask<T>> handle, CancellationToken cancellationToken)
    {
        try
        {
            return await _resilience.ExecuteAsync(async token =>
            {
                using var message = _pipeline.CreateMessage();
                message.BufferResponse = false;
                build(message.Request);
                await _pipeline.SendAsync(message, token).ConfigureAwait(false);
                var response = message.Response;
                if (response.Status is 408 or 429 or >= 500)
                {
                    throw new TransientStatusException(response.Status, BlobErrors.Code(response), RetryAfter(response));
                }
                return await handle(response, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not CheckpointStoreException && !cancellationToken.IsCancellationRequested && IsTransient(e, cancellationToken))
        {
            throw new CheckpointStoreException($"{_location}: {what} failed after {_attempts} attempts: {e.Message}", e);
        }
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        CheckpointStoreException => false,
        TransientStatusException or TimeoutRejectedException or HttpRequestException => true,
        RequestFailedException { Status: 0 } => true,
        IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private static TimeSpan? RetryAfter(Response response)
    {
        if (response.Headers.TryGetValue("x-ms-retry-after-ms", out var ms) && double.TryParse(ms, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }
        if (!response.Headers.TryGetValue("Retry-After", out var value))
        {
            return null;
        }
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Max(0, seconds));
        }
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? Max(at - DateTimeOffset.UtcNow, TimeSpan.Zero)
            : null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Location}: retry {Attempt} in {DelaySeconds:F1} s after: {Reason}")]
    private static partial void LogRetry(ILogger logger, string location, int attempt, double delaySeconds, string reason);

    private sealed class BlobClientOptions : ClientOptions;
}

/// <summary>A response the service may not give again: 408, 429 or 5xx, with the wait it asked for.</summary>
internal sealed class TransientStatusException(int status, string? code, TimeSpan? retryAfter)
    : Exception($"HTTP {status}{(code is null ? "" : " " + code)}{(retryAfter is { } after ? $" (retry after {after.TotalSeconds:F1} s)" : "")}")
{
    public int Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
