using System.Diagnostics;
using System.Net;
using U2PL.Grains.DataPlane;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// The data plane's receiving process in the benchmark (<c>dp-sink PORT [tls CERT KEY CA]</c>): a
/// <see cref="DataPlaneServer"/> on loopback whose consumer is the product's <see cref="PooledTensorSink"/> (bodies land
/// in buffers rented from the array pool and reused, as a shard would use them) and does nothing with the floats.
/// </summary>
internal static class DataPlaneSink
{
    public static async Task<int> RunAsync(int port, DataPlaneTls? tls)
    {
        var sink = new PooledTensorSink((_, _, _) => ValueTask.CompletedTask);
        await using var server = DataPlaneServer.Start(new DataPlaneOptions { Port = port }, tls, sink, address: IPAddress.Loopback);
        Console.WriteLine("ready");
        await Console.In.ReadLineAsync(); // until the benchmark closes our stdin
        return 0;
    }

    /// <summary>Starts a sink process and waits until it listens; returns it and its port.</summary>
    public static async Task<(Process Process, IPEndPoint EndPoint)> StartAsync(BenchTls? tls)
    {
        var port = U2PL.Tests.Cluster.FreePorts.Next();
        var arguments = $"\"{typeof(DataPlaneSink).Assembly.Location}\" dp-sink {port}" + (tls is null ? "" : " " + tls.SinkArguments);
        var process = Process.Start(new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true, RedirectStandardInput = true })!;
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready != "ready") throw new InvalidOperationException($"data-plane sink said '{ready}'");
        return (process, new IPEndPoint(IPAddress.Loopback, port));
    }
}
