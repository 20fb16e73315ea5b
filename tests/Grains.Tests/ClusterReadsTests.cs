using Orleans.Runtime;
using U2PL.Client.Cluster;
using U2PL.Contracts;

namespace U2PL.Grains.Tests;

/// <summary>The CLI's reads retry what passes (a silo dying behind the gateway, a timeout) and nothing else.</summary>
public sealed class ClusterReadsTests
{
    [Fact]
    public async Task A_read_that_meets_a_dying_silo_is_tried_again_and_returns_the_answer()
    {
        var attempts = 0;
        var status = await ClusterReads.ReadAsync(
            () => ++attempts < 3 ? Task.FromException<string>(new SiloUnavailableException("the run's silo is being declared dead")) : Task.FromResult("semi"),
            CancellationToken.None);
        Assert.Equal("semi", status);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task A_read_that_keeps_timing_out_gives_up_after_four_attempts_with_the_error()
    {
        var attempts = 0;
        var error = await Assert.ThrowsAsync<TimeoutException>(() => ClusterReads.ReadAsync<string>(() =>
        {
            attempts++;
            return Task.FromException<string>(new TimeoutException($"attempt {attempts} timed out"));
        }, CancellationToken.None));
        Assert.Equal(4, attempts);
        Assert.Equal("attempt 4 timed out", error.Message);
    }

    [Fact]
    public async Task An_unknown_run_is_answered_at_once()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<UnknownRunException>(() => ClusterReads.ReadAsync<string>(() =>
        {
            attempts++;
            return Task.FromException<string>(new UnknownRunException("no run 'r'"));
        }, CancellationToken.None));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_read_that_is_never_answered_is_abandoned_after_the_attempt_timeout_and_tried_again()
    {
        var attempts = 0;
        var status = await ClusterReads.ReadAsync(
            () => ++attempts == 1 ? new TaskCompletionSource<string>().Task : Task.FromResult("semi"), // the first went to a killed gateway
            CancellationToken.None, ClusterReads.CreatePipeline(TimeSpan.FromMilliseconds(300))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("semi", status);
        Assert.Equal(2, attempts);
    }
}
