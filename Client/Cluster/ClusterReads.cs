using Orleans.Runtime;
using Polly;
using Polly.Retry;

namespace U2PL.Client.Cluster;

/// <summary>
/// The CLI's reads (run status, list and events, cluster status), which are safe to repeat, retried through a Polly
/// pipeline when a call fails for a reason that passes: the silo behind the gateway died or is being declared dead
/// (<see cref="SiloUnavailableException"/>, a rejected message), or a call timed out while the cluster moved grains.
/// Commands that change a run (start, scale, pause, stop) are not retried here: repeating one is not always harmless.
/// </summary>
public static class ClusterReads
{
    /// <summary>Three more attempts, 0.5 s apart and doubling (with jitter): about 3.5 s, within a death declaration.</summary>
    public static ResiliencePipeline Pipeline { get; } = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder()
                .Handle<SiloUnavailableException>()
                .Handle<OrleansMessageRejectionException>()
                .Handle<TimeoutException>(),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken) =>
        await Pipeline.ExecuteAsync(async token => await read().WaitAsync(token), cancellationToken);
}
