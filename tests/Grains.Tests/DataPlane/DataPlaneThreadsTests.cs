using U2PL.Contracts;
using System.Collections.Concurrent;
using System.Net;
using U2PL.Grains.DataPlane;
using U2PL.Tests.Cluster;

namespace U2PL.Grains.Tests.DataPlane;

/// <summary>
/// Transfers run on the data plane's own threads, below the silo's CPU priority: never on the thread pool that Orleans'
/// messaging and grain turns share (issue 22: grain calls between silos must stay fast while tensors move).
/// </summary>
public sealed class DataPlaneThreadsTests
{
    [Theory(Timeout = DataPlaneTransferTests.Deadline)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_transfer_is_received_and_served_on_the_data_planes_threads_never_the_thread_pool(bool mutualTls)
    {
        using var certificates = new TestCertificates();
        var (serverTls, clientTls) = mutualTls
            ? (DataPlaneTransferTests.Tls(certificates, "shard-0"), DataPlaneTransferTests.Tls(certificates, "worker-1"))
            : (null, null);
        using var threads = new DataPlaneThreads(2, nice: 0);
        var sink = new ThreadRecordingSink();
        var served = DataPlaneTransferTests.Values(300_001, seed: 5);
        var source = new DictionarySource();
        var servedId = Guid.NewGuid();
        source.Bodies[servedId] = System.Runtime.InteropServices.MemoryMarshal.AsBytes(served.AsSpan()).ToArray();
        await using var server = DataPlaneServer.Start(DataPlaneTransferTests.Options, serverTls, sink, source, address: IPAddress.Loopback, threads: threads);
        await using var client = new DataPlaneClient(server.EndPoint, DataPlaneTransferTests.Options, clientTls, threads);

        await Task.Run(() => client.PushAsync(Guid.NewGuid(), 0, 1, DataPlaneTransferTests.Values(500_000, seed: 6)));
        await client.FetchAsync(servedId, 0, 1, new float[served.Length]);

        Assert.Equal(2, sink.Threads.Count); // Open and CompleteAsync of the push
        Assert.All(sink.Threads, t => Assert.StartsWith("u2pl data plane", t.Name));
        Assert.All(sink.Threads, t => Assert.False(t.Pool));
        Assert.Single(source.Threads);
        Assert.All(source.Threads, t => Assert.StartsWith("u2pl data plane", t.Name));
        Assert.All(source.Threads, t => Assert.False(t.Pool));
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task The_data_planes_threads_run_ten_nice_steps_below_the_process()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("thread priorities are set with Linux's setpriority");
        var process = NiceOf("/proc/thread-self/stat");
        using var threads = new DataPlaneThreads(3, nice: 10);

        var seen = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => threads.Run(async () =>
        {
            await Task.Yield();
            return NiceOf("/proc/thread-self/stat");
        })));

        Assert.All(seen, nice => Assert.Equal(Math.Min(19, process + 10), nice));
        Assert.Equal(3, threads.Lowered);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task Work_that_comes_due_after_dispose_still_runs()
    {
        var threads = new DataPlaneThreads(1, nice: 0);
        var gate = new TaskCompletionSource();
        var reached = new TaskCompletionSource();
        var waiting = threads.Run(async () =>
        {
            reached.SetResult();
            await gate.Task; // its continuation comes due after Dispose
            return Thread.CurrentThread.Name;
        });
        await reached.Task;

        threads.Dispose();
        gate.SetResult();

        Assert.NotEqual("u2pl data plane 0", await waiting);
        Assert.Equal(7, await threads.Run(() => Task.FromResult(7)));
    }

    /// <summary>The nice value (field 19) of a /proc stat file.</summary>
    private static int NiceOf(string stat)
    {
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 is fields[0]
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class ThreadRecordingSink : ITensorSink
    {
        public ConcurrentQueue<(string? Name, bool Pool)> Threads { get; } = new();

        public Memory<byte> Open(TransferDescriptor descriptor, EndPoint peer)
        {
            Record();
            return new byte[descriptor.ByteLength];
        }

        public ValueTask CompleteAsync(TransferDescriptor descriptor, Memory<byte> body, EndPoint peer)
        {
            Record();
            return ValueTask.CompletedTask;
        }

        public void Abandon(TransferDescriptor descriptor, Memory<byte> body, DataPlaneException reason) => Record();

        private void Record() => Threads.Enqueue((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
    }
}
