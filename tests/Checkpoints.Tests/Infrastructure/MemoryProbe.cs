namespace U2PL.Checkpoints.Tests.Infrastructure;

/// <summary>Samples the managed heap and the resident set every few milliseconds; reports their peaks above the start.</summary>
public sealed class MemoryProbe : IDisposable
{
    private readonly long _managedStart;
    private readonly long _residentStart;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _managedPeak;
    private long _residentPeak;

    public MemoryProbe()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _managedStart = GC.GetTotalMemory(forceFullCollection: false);
        _residentStart = Environment.WorkingSet;
        _thread = new Thread(Sample) { IsBackground = true };
        _thread.Start();
    }

    public long ManagedGrowth => Interlocked.Read(ref _managedPeak) - _managedStart;

    public long ResidentGrowth => Interlocked.Read(ref _residentPeak) - _residentStart;

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Sample()
    {
        while (!_stop)
        {
            Interlocked.Exchange(ref _managedPeak, Math.Max(_managedPeak, GC.GetTotalMemory(false)));
            Interlocked.Exchange(ref _residentPeak, Math.Max(_residentPeak, Environment.WorkingSet));
            Thread.Sleep(5);
        }
    }
}
