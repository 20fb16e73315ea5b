using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using U2PL.Contracts;

namespace U2PL.Cluster.Bench.Measurements;

/// <summary>
/// The serializer's share of a large call, in the benchmark process (no network): Orleans' codec writes a
/// <see cref="RawFloats"/> of the payload size into a pooled buffer and reads it back into a new object, as a silo does
/// on each side of a call.
/// </summary>
internal static class CodecBenchmark
{
    public static (List<double> Serialize, List<double> Deserialize) Run(long totalBytes, int repeats)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<RawFloats>>();
        var value = new RawFloats { Bytes = new byte[totalBytes] };
        Random.Shared.NextBytes(value.Bytes);
        List<double> serialize = [], deserialize = [];
        for (var i = 0; i <= repeats; i++)
        {
            var buffer = new ArrayBufferWriter<byte>((int)totalBytes + 1024);
            var started = Stopwatch.GetTimestamp();
            serializer.Serialize(value, buffer);
            var written = Stopwatch.GetElapsedTime(started).TotalSeconds;
            started = Stopwatch.GetTimestamp();
            var copy = serializer.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory)) ?? throw new InvalidOperationException("codec read null");
            var read = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (copy.Bytes.Length != value.Bytes.Length || copy.Bytes[^1] != value.Bytes[^1]) throw new InvalidOperationException("codec round trip differs");
            if (i == 0) continue; // warm-up
            serialize.Add(written);
            deserialize.Add(read);
        }
        return (serialize, deserialize);
    }
}
