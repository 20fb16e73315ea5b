using U2PL.Contracts;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Worker;

/// <summary>
/// How a worker's loop waits on its grain calls: until the call answers, the worker is asked to stop, or a deadline
/// passes, whichever comes first (Orleans' own response timeout ignores a stop and may be minutes long). The calls that
/// finish a step already computed (its pushes, the lease's completion, the report) get <see cref="FinishGrace"/> after
/// a stop, so that a healthy cluster still takes the step. A wait that is cut does not cut the call (Orleans has sent
/// it): its late answer is dropped, or, for a step's pushes, handed to the loop in a <see cref="PushesInFlightException"/>
/// so that the lease is still completed or given back.
/// </summary>
internal sealed class WorkerCalls
{
    /// <summary>
    /// The shortest deadline of a call: a pull of a large model on a loaded 2-core machine takes seconds, and a
    /// healthy call must never be cut (Orleans' default response timeout, 30 s, usually answers first).
    /// </summary>
    public static readonly TimeSpan MinimumDeadline = TimeSpan.FromSeconds(60);

    /// <summary>How long after a stop the calls that finish a computed step may still take (they take well under a second).</summary>
    public static readonly TimeSpan FinishGrace = TimeSpan.FromSeconds(5);

    /// <summary>How long the worker's notice that it stopped is waited for, also while stopping: the run must hear it.</summary>
    public static readonly TimeSpan NoticeWait = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _deadline;
    private readonly CancellationToken _stop;
    private readonly CancellationTokenSource _finishing = new();

    public WorkerCalls(TimeSpan deadline, CancellationToken stop)
    {
        _deadline = deadline;
        _stop = stop;
        stop.Register(() => _finishing.CancelAfter(FinishGrace));
    }

    public bool Stopping => _stop.IsCancellationRequested;

    /// <summary>
    /// The run's lease timeout, at least <see cref="MinimumDeadline"/>: past the lease timeout the dispenser has handed
    /// the lease to another worker, so waiting longer on the lease's calls gains nothing.
    /// </summary>
    public static TimeSpan DeadlineFor(ClusterTrainingOptions cluster) =>
        TimeSpan.FromSeconds(Math.Max(cluster.LeaseTimeoutSeconds, MinimumDeadline.TotalSeconds));

    /// <summary>The call's answer; throws <see cref="OperationCanceledException"/> on a stop, <see cref="TimeoutException"/> past the deadline.</summary>
    public T Wait<T>(Task<T> call, TimeSpan? within = null)
    {
        WaitCore(call, within ?? _deadline, _stop);
        return call.GetAwaiter().GetResult();
    }

    public void Wait(Task call, TimeSpan? within = null) => WaitCore(call, within ?? _deadline, _stop);

    /// <summary>As <see cref="Wait{T}"/>, for a call that finishes a computed step: a stop cuts it only after <see cref="FinishGrace"/>.</summary>
    public T Finish<T>(Task<T> call, TimeSpan? within = null)
    {
        WaitCore(call, within ?? _deadline, _finishing.Token);
        return call.GetAwaiter().GetResult();
    }

    public void Finish(Task call, TimeSpan? within = null) => WaitCore(call, within ?? _deadline, _finishing.Token);

    /// <summary>Waits for a notice at most <see cref="NoticeWait"/>, whether or not the worker is stopping.</summary>
    public static void Notify(Task call) => WaitCore(call, NoticeWait, CancellationToken.None);

    /// <summary>
    /// Waits for a step's pushes as <see cref="Finish{T}"/> does; a cut wait throws <see cref="PushesInFlightException"/>
    /// with whether the pushes will have been accepted once they answer.
    /// </summary>
    public T WaitForPushes<T>(Task<T> pushes, Func<T, bool> accepted)
    {
        try
        {
            return Finish(pushes);
        }
        catch (Exception e) when (!pushes.IsCompleted)
        {
            var outcome = pushes.ContinueWith(t => t.IsCompletedSuccessfully && accepted(t.Result), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
            throw new PushesInFlightException(outcome, e);
        }
    }

    /// <summary>The shards' answers to a step's pushes, once the banks' have come too.</summary>
    public static async Task<PushOutcome[]> AllOf(IEnumerable<Task<PushOutcome>> shardPushes, IEnumerable<Task> bankPushes)
    {
        var outcomes = await Task.WhenAll(shardPushes);
        await Task.WhenAll(bankPushes);
        return outcomes;
    }

    /// <summary>Whether every shard took a sync micro-batch's pushes, once the banks' have answered too.</summary>
    public static async Task<bool> AllAccepted(IEnumerable<Task<PushOutcome>> shardPushes, IEnumerable<Task> bankPushes) =>
        (await AllOf(shardPushes, bankPushes)).All(o => o.Accepted);

    private static void WaitCore(Task call, TimeSpan within, CancellationToken token)
    {
        try
        {
            call.WaitAsync(within, token).GetAwaiter().GetResult();
        }
        catch when (!call.IsCompleted)
        {
            // The call goes on without a waiter: its failure must not surface as an unobserved task exception.
            _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }
}

/// <summary>
/// A step's pushes were sent but their wait was cut (a stop, or the deadline): the shards and banks apply them whether
/// or not the loop waits, so the loop completes or returns the lease when <see cref="Accepted"/> answers. A step
/// applied on the shards whose lease was given back instead could be leased again to a worker without its version.
/// </summary>
internal sealed class PushesInFlightException(Task<bool> accepted, Exception cut)
    : Exception("the step's pushes were sent; their wait was cut", cut)
{
    public Task<bool> Accepted => accepted;
}
