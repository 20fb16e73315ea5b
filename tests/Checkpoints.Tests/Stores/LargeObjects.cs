using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Stores;

/// <summary>A 300 MB object through a store with its default block size, memory watched all the way.</summary>
internal static class LargeObjects
{
    public const long Size = 300L << 20;

    /// <summary>Neither the managed heap nor the resident set may grow by more than this (a fifth of the object).</summary>
    public const long MemoryBound = 60L << 20;

    public static async Task RoundTripAsync(ICheckpointStore store)
    {
        string uploaded;
        var sink = new HashingSink();
        var middle = new byte[1 << 20];
        using (var probe = new MemoryProbe())
        {
            await using (var content = new GeneratedStream(Size, seed: 300))
            {
                var stored = await store.UploadAsync("big.safetensors", content);
                Assert.Equal(Size, stored.Length);
                uploaded = content.Sha256;
            }
            await store.DownloadAsync("big.safetensors", sink);
            Assert.Equal(middle.Length, await store.ReadAsync("big.safetensors", Size / 2 - 1000, middle));
            Assert.True(probe.ManagedGrowth < MemoryBound, $"managed heap grew by {probe.ManagedGrowth >> 20} MB for a {Size >> 20} MB object");
            Assert.True(probe.ResidentGrowth < MemoryBound, $"resident set grew by {probe.ResidentGrowth >> 20} MB for a {Size >> 20} MB object");
        }
        Assert.Equal(Size, sink.Written);
        Assert.Equal(uploaded, sink.Sha256);

        var expectedMiddle = new byte[middle.Length];
        await using (var again = new GeneratedStream(Size, seed: 300))
        {
            var skip = Size / 2 - 1000;
            var scratch = new byte[1 << 20];
            while (skip > 0)
            {
                skip -= await again.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, skip)));
            }
            await again.ReadExactlyAsync(expectedMiddle);
        }
        Assert.Equal(expectedMiddle, middle);
        Assert.True(await store.DeleteAsync("big.safetensors"));
    }
}
