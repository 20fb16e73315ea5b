using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using U2PL.Contracts;
using U2PL.Grains.DataPlane;

namespace U2PL.Cluster.Bench.Grains;

/// <summary>
/// Transfers of one block, back to back (each starts when the previous one is answered), until stopped; the load
/// beside which <see cref="BenchDriverGrain.MeasureLatencyUnderTransfer"/> times grain calls. A stop lets the transfer
/// under way finish. Paced (a rate &gt; 0): after each transfer the sender waits until the transfers so far average
/// that rate.
/// </summary>
internal sealed class BackgroundTransfers
{
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _completed;

    private BackgroundTransfers(Func<BackgroundTransfers, Task> loop) => Running = loop(this);

    /// <summary>Transfers answered so far.</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Completes when the first transfer is answered (connection, TLS handshake and code paths warm).</summary>
    public Task FirstDone => _first.Task;

    /// <summary>The loop; faults when a transfer fails.</summary>
    public Task Running { get; }

    /// <summary>
    /// Through the data plane (on its own threads, <paramref name="options"/>' Nice below the silo), one transfer of
    /// <paramref name="bytes"/> at a time to the server at <paramref name="server"/>.
    /// </summary>
    public static BackgroundTransfers DataPlane(EndPoint server, DataPlaneTls? tls, DataPlaneOptions options, long bytes, double pacedMiBps, CancellationToken stop) =>
        new(self => Task.Run(async () =>
        {
            var block = Block(bytes);
            await using var client = new DataPlaneClient(server, options, tls);
            var started = Stopwatch.GetTimestamp();
            for (var version = 0L; !stop.IsCancellationRequested; version++)
            {
                await client.PushAsync(Guid.NewGuid(), 0, version, block);
                self.Done();
                await Pace(started, version + 1, bytes, pacedMiBps, stop);
            }
        }));

    /// <summary>As grain calls (today's path), issued from the calling grain's context, one call of <paramref name="bytes"/> at a time.</summary>
    public static BackgroundTransfers Orleans(IEchoGrain sink, long bytes, double pacedMiBps, CancellationToken stop) =>
        new(async self =>
        {
            var block = Block(bytes);
            var raw = new RawFloats { Bytes = MemoryMarshal.AsBytes(block.AsSpan()).ToArray() };
            var started = Stopwatch.GetTimestamp();
            for (var sent = 1L; !stop.IsCancellationRequested; sent++)
            {
                var answer = await sink.Sink(raw);
                if (answer.Length != 2 || answer[0] != block.Length) throw new InvalidOperationException("The echo grain's answer did not match the payload.");
                self.Done();
                await Pace(started, sent, bytes, pacedMiBps, stop);
            }
        });

    private static async Task Pace(long started, long transfers, long bytes, double mibps, CancellationToken stop)
    {
        if (mibps <= 0) return;
        var due = TimeSpan.FromSeconds(transfers * (double)bytes / (mibps * (1 << 20))) - Stopwatch.GetElapsedTime(started);
        if (due > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(due, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void Done()
    {
        Interlocked.Increment(ref _completed);
        _first.TrySetResult();
    }

    private static float[] Block(long bytes)
    {
        var block = new float[bytes / sizeof(float)];
        for (var i = 0; i < block.Length; i++) block[i] = i * 0.25f;
        return block;
    }
}
