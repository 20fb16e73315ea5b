using Orleans.Runtime;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace U2PL.Client.Cluster;

/// <summary>
/// The CLI's reads (run status, list and events, cluster status), which are safe to repeat, retried through a Polly
/// pipeline when a call fails for a reason that passes: the silo behind the gateway died or is being declared dead
/// (<see cref="SiloUnavailableException"/>, a rejected message), or a call timed out while the cluster moved grains.
/// Each attempt is abandoned after <see cref="AttemptTimeout"/>: a call in flight through a gateway that was killed is
/// not failed by the Orleans client, it waits out the client's response timeout (minutes, sized for the commands), while
/// the next attempt goes through a live gateway.
/// Commands that change a run (start, scale, pause, stop) are not retried here: repeating one is not always harmless.
/// </summary>
public static class ClusterReads
{
    /// <summary>A read's grain methods interleave with the grain's work, so a live silo answers well within this.</summary>
    public static TimeSpan AttemptTimeout { get; } = TimeSpan.FromSeconds(20);

    private static readonly ResiliencePipeline Pipeline = CreatePipeline(AttemptTimeout);

    /// <summary>Three more attempts, 0.5 s apart and doubling (with jitter): about 3.5 s, within a death declaration.</summary>
    public static ResiliencePipeline CreatePipeline(TimeSpan attemptTimeout) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder()
                .Handle<SiloUnavailableException>()
                .Handle<OrleansMessageRejectionException>()
                .Handle<TimeoutException>()
                .Handle<TimeoutRejectedException>(),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .AddTimeout(attemptTimeout)
        .Build();

    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken, ResiliencePipeline? pipeline = null) =>
        await (pipeline ?? Pipeline).ExecuteAsync(async token => await read().WaitAsync(token), cancellationToken);
}
