using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Networking;

namespace U2PL.Runtime.Messaging;

/// <summary>
/// Routes a request to the silo of its grain and returns the final response. Transient failures (target silo gone,
/// grain not there any more, no capacity, deactivating) are retried through a Polly pipeline with exponential backoff
/// and jitter, re-resolving the grain each time, until the call's deadline.
/// </summary>
internal sealed class MessageRouter
{
    private readonly SiloAddress _self;
    private readonly GrainLocator _locator;
    private readonly ConnectionManager _connections;
    private readonly Func<Message, CancellationToken, Task<Message>> _deliverLocal;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    public MessageRouter(SiloAddress self, GrainLocator locator, ConnectionManager connections,
        Func<Message, CancellationToken, Task<Message>> deliverLocal, MessagingOptions options, ILogger logger)
    {
        _self = self;
        _locator = locator;
        _connections = connections;
        _deliverLocal = deliverLocal;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SiloUnavailableException>().Handle<RetryableRoutingException>(),
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(2),
            })
            .Build();
    }

    public async Task<Message> RouteAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (request.HopCount > 8) return Message.ResponseTo(request, ResponseStatus.Unavailable);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = DateTimeOffset.UtcNow;
        var excluded = new HashSet<SiloAddress>();
        var attempt = 0;
        try
        {
            return await _pipeline.ExecuteAsync(async token =>
            {
                attempt++;
                var remaining = timeout - (DateTimeOffset.UtcNow - started);
                if (remaining <= TimeSpan.Zero) throw new TimeoutException($"{request.Target} did not answer within {timeout}.");
                SiloAddress target;
                try
                {
                    target = await _locator.ResolveAsync(request.Target, excluded, token).ConfigureAwait(false);
                }
                catch (SiloUnavailableException e)
                {
                    Diagnostics.Log.RetryingCall(_logger, request.Target, attempt, e.Message);
                    throw;
                }
                Message response;
                try
                {
                    if (target == _self)
                    {
                        response = await _deliverLocal(MessageBodies.AsIncoming(request), token).ConfigureAwait(false);
                    }
                    else
                    {
                        var connection = await _connections.GetAsync(target, token).ConfigureAwait(false);
                        response = await connection.SendRequestAsync(MessageBodies.Forward(request), remaining, token).ConfigureAwait(false);
                    }
                }
                catch (SiloUnavailableException e)
                {
                    _locator.Invalidate(request.Target);
                    Diagnostics.Log.RetryingCall(_logger, request.Target, attempt, e.Message);
                    throw;
                }
                switch (response.Status)
                {
                    case ResponseStatus.NotHere:
                        _locator.Invalidate(request.Target);
                        if (response.RedirectTo is { } redirect) _locator.Redirect(request.Target, SiloAddress.Parse(redirect));
                        else excluded.Add(target);
                        throw new RetryableRoutingException(response.Status);
                    case ResponseStatus.CapacityExhausted:
                        _locator.Invalidate(request.Target);
                        excluded.Add(target);
                        throw new RetryableRoutingException(response.Status);
                    case ResponseStatus.Unavailable:
                        _locator.Invalidate(request.Target);
                        throw new RetryableRoutingException(response.Status);
                    default:
                        return response;
                }
            }, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Target} did not answer within {timeout}.");
        }
        catch (RetryableRoutingException e)
        {
            throw new SiloUnavailableException($"No silo could take the call to {request.Target}: {e.Status} after {attempt} attempts.");
        }
    }
}
