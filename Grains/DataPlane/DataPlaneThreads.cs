using System.Runtime.InteropServices;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// The threads a data plane's transfers run on (issue 22: a 256 MiB transfer must not slow the control plane's grain
/// calls between the same silos). Every turn of a transfer (socket reads and writes that complete at once, TLS
/// records, the checksum) runs on these few threads of their own instead of the thread pool that Orleans' messaging
/// and grain turns share, and the threads run at a lower CPU priority than the silo (Linux nice): where the cores are
/// saturated, a grain call gets one first; on an idle machine a transfer still goes at full speed.
/// Hand-written because the BCL has no <see cref="TaskScheduler"/> over dedicated threads; kept to a queue and a loop.
/// </summary>
public sealed partial class DataPlaneThreads : TaskScheduler, IDisposable
{
    private readonly Queue<Task> _queue = new();
    private readonly Thread[] _threads;
    private bool _stopped;
    private int _lowered;

    /// <param name="count">How many threads.</param>
    /// <param name="nice">How much lower than the process's their priority is, in Linux nice steps (0..19; 0: the same).</param>
    public DataPlaneThreads(int count, int nice)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(nice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        Nice = nice;
        _threads = new Thread[count];
        using var started = new CountdownEvent(count);
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(() => Loop(started)) { IsBackground = true, Name = $"u2pl data plane {i}" };
            _threads[i].Start();
        }
        started.Wait(); // every thread at its priority before the first transfer
    }

    /// <summary>The nice value the threads asked for (what they got: <see cref="Lowered"/>).</summary>
    public int Nice { get; }

    /// <summary>How many threads lowered their priority (Linux only; 0 elsewhere or where nice is 0).</summary>
    public int Lowered => Volatile.Read(ref _lowered);

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Runs <paramref name="work"/> here: it and every continuation of its awaits (unless it leaves with ConfigureAwait(false)).</summary>
    public Task<T> Run<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <inheritdoc cref="Run{T}"/>
    public Task Run(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    protected override void QueueTask(Task task)
    {
        lock (_queue)
        {
            if (!_stopped)
            {
                _queue.Enqueue(task);
                Monitor.Pulse(_queue);
                return;
            }
        }
        // A continuation that comes due after Dispose (a connection's last read) still runs, on the thread pool.
        ThreadPool.UnsafeQueueUserWorkItem(t => TryExecuteTask(t), task, preferLocal: false);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Array.IndexOf(_threads, Thread.CurrentThread) >= 0 && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_queue) return [.. _queue];
    }

    private void Loop(CountdownEvent started)
    {
        if (Nice > 0 && Lower(Nice)) Interlocked.Increment(ref _lowered);
        started.Signal();
        while (true)
        {
            Task task;
            lock (_queue)
            {
                while (_queue.Count == 0 && !_stopped) Monitor.Wait(_queue);
                if (_queue.Count == 0) return;
                task = _queue.Dequeue();
            }
            TryExecuteTask(task);
        }
    }

    /// <summary>Stops the threads once the queue is empty; later continuations go to the thread pool.</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            _stopped = true;
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>
    /// Lowers the calling thread's priority by <paramref name="nice"/> (Linux: setpriority on its thread id, from the
    /// nice it inherited; raising nice needs no privilege).
    /// </summary>
    private static bool Lower(int nice)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var thread = gettid();
            Marshal.SetLastPInvokeError(0);
            var inherited = getpriority(PrioProcess, thread);
            if (inherited == -1 && Marshal.GetLastPInvokeError() != 0) return false;
            return setpriority(PrioProcess, thread, Math.Min(19, inherited + nice)) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static partial int getpriority(int which, int who);

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int gettid();
}
