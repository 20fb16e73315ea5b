using Microsoft.Extensions.Logging.Abstractions;
using U2PL.Grains.Hosting;

namespace U2PL.Grains.Tests;

/// <summary>
/// <see cref="NativeWork"/>: what a host waits for before its process exits — every tracked piece of work, however it
/// ends, including work tracked while the host waits.
/// </summary>
public sealed class NativeWorkTests
{
    [Fact]
    public async Task The_wait_ends_only_after_every_tracked_work_ended_faulted_ones_and_late_ones_included()
    {
        var work = new NativeWork(NullLogger<NativeWork>.Instance);
        var validation = new TaskCompletionSource();
        var failing = new TaskCompletionSource();
        var late = new TaskCompletionSource();
        work.Track(validation.Task, "validation");
        work.Track(failing.Task, "a pass that fails");

        var waiting = work.WhenEnded();
        failing.SetException(new InvalidOperationException("libtorch error"));
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(["validation"], work.Running);

        work.Track(late.Task, "late validation"); // tracked while the host waits: waited for too
        validation.SetResult();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        late.SetResult();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(work.Running);
    }

    [Fact]
    public async Task With_nothing_tracked_or_everything_done_the_wait_ends_at_once()
    {
        var work = new NativeWork(NullLogger<NativeWork>.Instance);
        await work.WhenEnded().WaitAsync(TimeSpan.FromSeconds(1));
        work.Track(Task.CompletedTask, "done");
        await work.WhenEnded().WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Empty(work.Running);
    }
}
