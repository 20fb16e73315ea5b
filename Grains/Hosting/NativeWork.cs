using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace U2PL.Grains.Hosting;

/// <summary>
/// The libtorch work of this silo that runs outside grain turns, where the silo's stop does not wait for it: a
/// validation on a pool thread (<c>EvaluationGrain</c> tracks each pass here), or a worker's loop that its grain's stop
/// left to finish its step alone (<c>WorkerGrain.StopBound</c>). The process must not exit while any of it runs:
/// <c>exit()</c> destroys libtorch's static state (its operator registry, oneDNN's primitive cache) under the thread
/// still computing, which then dies with SIGSEGV after the command's last line (exit 139 of <c>u2pl demo</c> under
/// load: a validation still in its forward). So the hosts stop the silo and then wait for <see cref="WhenEnded"/>
/// before they return (u2pl-silo, the demo's in-process silo); tracked work is a pass or a step, so the wait is bounded.
/// </summary>
public sealed partial class NativeWork(ILogger<NativeWork> logger)
{
    private readonly ConcurrentDictionary<Task, string> _running = new();

    /// <summary>Tracks <paramref name="work"/> until it ends, however it ends.</summary>
    /// <param name="work">the work's completion</param>
    /// <param name="what">what it is, for the log while a host waits for it</param>
    public void Track(Task work, string what)
    {
        _running[work] = what;
        _ = work.ContinueWith(ended => _running.TryRemove(ended, out _), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>What runs now.</summary>
    public IReadOnlyCollection<string> Running => [.. _running.Values];

    /// <summary>Completes once nothing tracked runs (work tracked meanwhile included); logs what it waits for.</summary>
    public async Task WhenEnded()
    {
        while (!_running.IsEmpty)
        {
            var running = _running.ToArray();
            LogWaiting(string.Join(", ", running.Select(entry => entry.Value)));
            await Task.WhenAll(running.Select(entry => entry.Key)).ContinueWith(static _ => { }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "waiting for native work outside grain turns to end before the process exits: {Running}")]
    private partial void LogWaiting(string running);
}
