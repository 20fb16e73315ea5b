namespace U2PL.Segmentation.Tests.Method;

/// <summary>
/// Runs a body while another thread collects and runs finalizers in a loop: what a silo's allocations do to a training
/// thread, made constant. Young collections, which are what free a Scalar made a moment ago, come at the highest rate;
/// a full one every so often.
/// </summary>
internal static class CollectionPressure
{
    public static T During<T>(Func<T> body)
    {
        using var stop = new CancellationTokenSource();
        var collector = Task.Factory.StartNew(() =>
        {
            for (var n = 1; !stop.IsCancellationRequested; n++)
            {
                GC.Collect(n % 16 == 0 ? GC.MaxGeneration : 0);
                GC.WaitForPendingFinalizers();
            }
        }, TaskCreationOptions.LongRunning);
        try
        {
            return body();
        }
        finally
        {
            stop.Cancel();
            collector.Wait();
        }
    }
}
