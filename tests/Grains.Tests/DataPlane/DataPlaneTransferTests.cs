using U2PL.Contracts;
using System.Net;
using System.Runtime.InteropServices;
using U2PL.Grains.DataPlane;
using U2PL.Grains.Hosting;
using U2PL.Tests.Cluster;

namespace U2PL.Grains.Tests.DataPlane;

/// <summary>Float buffers through the tensor data plane on loopback, plain and with mutual TLS: every bit arrives.</summary>
public sealed class DataPlaneTransferTests
{
    /// <summary>Every data-plane test ends within a minute (they take about a second): a hang fails, it does not stall the suite.</summary>
    internal const int Deadline = 60_000;

    internal static readonly DataPlaneOptions Options = new() { Port = 0, ChunkBytes = 256 << 10, StallTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>Random bit patterns (NaNs, denormals, negative zeros included) of an odd length, not a multiple of a chunk.</summary>
    internal static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        random.NextBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    internal static DataPlaneServer Server(ITensorSink sink, DataPlaneTls? tls = null, ITensorSource? source = null, DataPlaneOptions? options = null, ListLogger? logger = null) =>
        DataPlaneServer.Start(options ?? Options, tls, sink, source, logger, IPAddress.Loopback);

    [Theory(Timeout = DataPlaneTransferTests.Deadline)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pushed_float_buffer_arrives_bit_exact_under_its_descriptor(bool mutualTls)
    {
        using var certificates = new TestCertificates();
        var (serverTls, clientTls) = mutualTls ? (Tls(certificates, "shard-0"), Tls(certificates, "worker-1")) : (null, null);
        var sink = new RecordingSink();
        await using var server = Server(sink, serverTls);
        await using var client = new DataPlaneClient(server.EndPoint, Options, clientTls);
        var values = Values(786_433, seed: 1);
        var id = Guid.NewGuid();

        var sent = await client.PushAsync(id, shard: 3, version: 41, values.AsMemory(1, values.Length - 1));
        var second = await client.PushAsync(Guid.NewGuid(), shard: 3, version: 42, values.AsMemory(0, 1000)); // the same connection again

        Assert.Equal(2, sink.Completed.Count);
        var (descriptor, body) = sink.Completed.First();
        Assert.Equal(new TransferDescriptor(id, 3, 41, (values.Length - 1) * 4L, sent.Checksum), descriptor);
        Assert.NotEqual(0UL, sent.Checksum);
        Assert.Equal(MemoryMarshal.Cast<float, int>(values.AsSpan(1)).ToArray(), MemoryMarshal.Cast<byte, int>(body).ToArray());
        Assert.Equal(42, sink.Completed.Last().Descriptor.Version);
        Assert.Empty(sink.Abandoned);
    }

    [Theory(Timeout = DataPlaneTransferTests.Deadline)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Transfers_in_flight_together_on_one_connection_each_arrive_under_their_own_descriptor(bool mutualTls)
    {
        using var certificates = new TestCertificates();
        var (serverTls, clientTls) = mutualTls ? (Tls(certificates, "shard-0"), Tls(certificates, "worker-1")) : (null, null);
        var sink = new RecordingSink();
        var source = new DictionarySource();
        var served = Values(100_003, seed: 99);
        var servedId = Guid.NewGuid();
        source.Bodies[servedId] = MemoryMarshal.AsBytes(served.AsSpan()).ToArray();
        await using var server = Server(sink, serverTls, source);
        await using var client = new DataPlaneClient(server.EndPoint, Options, clientTls);
        // A few large bodies and many small ones, so that answers keep arriving while later frames are written.
        var buffers = Enumerable.Range(0, 400).ToDictionary(_ => Guid.NewGuid(), i => Values(i < 8 ? 50_000 + i * 20_011 : 1 + i, seed: 10 + i));
        var destination = new float[served.Length];

        var fetch = client.FetchAsync(servedId, 0, 1, destination); // a fetch among the pushes: its body comes back while pushes go out
        await Task.WhenAll(buffers.Select((b, i) => client.PushAsync(b.Key, shard: i, version: 5, b.Value)).Append(fetch));

        Assert.Equal(buffers.Count, sink.Completed.Count);
        foreach (var (descriptor, body) in sink.Completed)
        {
            Assert.Equal(MemoryMarshal.Cast<float, int>(buffers[descriptor.TransferId]).ToArray(), MemoryMarshal.Cast<byte, int>(body).ToArray());
        }
        Assert.Equal(MemoryMarshal.Cast<float, int>(served).ToArray(), MemoryMarshal.Cast<float, int>(destination).ToArray());
    }

    [Theory(Timeout = DataPlaneTransferTests.Deadline)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_fetched_buffer_lands_bit_exact_in_the_callers_memory(bool mutualTls)
    {
        using var certificates = new TestCertificates();
        var (serverTls, clientTls) = mutualTls ? (Tls(certificates, "shard-0"), Tls(certificates, "worker-1")) : (null, null);
        var source = new DictionarySource();
        var values = Values(300_001, seed: 2);
        var id = Guid.NewGuid();
        source.Bodies[id] = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        await using var server = Server(new RecordingSink(), serverTls, source);
        await using var client = new DataPlaneClient(server.EndPoint, Options, clientTls);
        var destination = new float[values.Length + 7];

        var fetched = await client.FetchAsync(id, shard: 1, version: 9, destination);
        var missing = await Assert.ThrowsAsync<DataPlaneException>(() => client.FetchAsync(Guid.NewGuid(), 1, 9, destination));

        Assert.Equal(values.Length * 4L, fetched.ByteLength);
        Assert.Equal(MemoryMarshal.Cast<float, int>(values).ToArray(), MemoryMarshal.Cast<float, int>(destination.AsSpan(0, values.Length)).ToArray());
        Assert.Equal(DataPlaneRefusal.NotFound, missing.Reason);
        Assert.Contains("is not here", missing.Message);
    }

    internal static DataPlaneTls Tls(TestCertificates certificates, string name)
    {
        var (certificate, key, ca) = certificates.Issue(name);
        return new DataPlaneTls(new ClusterTls(certificate, key, ca));
    }
}
