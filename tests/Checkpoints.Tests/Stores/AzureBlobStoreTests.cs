using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs.Models;
using U2PL.Checkpoints.Azure;
using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Stores;

/// <summary>The contract on Azurite, plus what only the blob store has: retries, throttling, timeouts, SAS.</summary>
public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : StoreContract, IDisposable
{
    private readonly string _container = AzuriteFixture.NewContainer();
    private AzureBlobCheckpointStore? _store;

    private static CheckpointStoreOptions Small => new() { BlockSize = BlockSize, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };

    protected override ICheckpointStore Store => _store ??= (AzureBlobCheckpointStore)azurite.Open(_container, "runs/r1", Small);

    public void Dispose() => _store?.Dispose();

    /// <summary>Stages other bytes under the block's own id (their own transactional MD5 valid) and commits the same id list.</summary>
    protected override async Task CorruptBlockAsync(string name, int index)
    {
        var blob = ((AzureBlobCheckpointStore)Store).Blob(name);
        var blocks = (await blob.GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToList();
        var other = Bytes((int)blocks[index].SizeLong, seed: 99);
        await blob.StageBlockAsync(blocks[index].Name, new MemoryStream(other));
        await blob.CommitBlockListAsync(blocks.Select(b => b.Name));
    }

    [Fact]
    public async Task Throttled_requests_are_retried_after_the_wait_the_service_asks_for()
    {
        await using var proxy = await ThrottlingProxy.StartAsync(azurite.BlobEndpoint, n => n <= 2 ? ProxyAction.Throttle : ProxyAction.Forward);
        var log = new RecordingLogger();
        using var store = azurite.Open(_container, "", Small with { BlobConnectionString = AzuriteFixture.ConnectionStringFor(proxy.Endpoint), Logger = log });
        var content = Bytes(2 * BlockSize + 5, seed: 10);

        var clock = Stopwatch.StartNew();
        await store.UploadAsync("throttled.bin", new MemoryStream(content));
        var elapsed = clock.Elapsed;

        Assert.Equal(2, proxy.Throttled);
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.9), $"two 503s with Retry-After: 1 were retried after {elapsed.TotalSeconds:F2} s in all");
        var retries = log.Entries.Where(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, retries.Count);
        Assert.Contains("try 2 after: HTTP 503", retries[0]);
        Assert.Contains("try 3 after: HTTP 503", retries[1]);
        Assert.Equal(content, await DownloadAsync(store, "throttled.bin"));
    }

    [Fact]
    public async Task A_service_that_stays_busy_fails_with_a_clear_error_once_the_retries_are_spent()
    {
        await using var proxy = await ThrottlingProxy.StartAsync(azurite.BlobEndpoint, _ => ProxyAction.Throttle);
        using var store = azurite.Open(_container, "", Small with
        {
            BlobConnectionString = AzuriteFixture.ConnectionStringFor(proxy.Endpoint), MaxRetries = 2, RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        });
        var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => store.UploadAsync("busy.bin", new MemoryStream([1, 2, 3])));
        Assert.Contains("503", error.Message);
        Assert.Contains("3 attempts", error.Message);
        Assert.Contains($"azure://{AzuriteFixture.Account}/{_container}", error.Message);
        Assert.Equal(3, proxy.Requests);
    }

    [Fact]
    public async Task A_stalled_request_times_out_and_is_retried()
    {
        await using var proxy = await ThrottlingProxy.StartAsync(azurite.BlobEndpoint, n => n == 1 ? ProxyAction.Stall : ProxyAction.Forward);
        using var store = azurite.Open(_container, "", Small with
        {
            BlobConnectionString = AzuriteFixture.ConnectionStringFor(proxy.Endpoint), AttemptTimeout = TimeSpan.FromSeconds(1),
        });
        var clock = Stopwatch.StartNew();
        await store.UploadAsync("stalled.bin", new MemoryStream([4, 5, 6]));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 2.9);
        Assert.Equal([4, 5, 6], await DownloadAsync(store, "stalled.bin"));
    }

    [Fact]
    public async Task A_sas_connection_string_authenticates_and_its_permissions_hold()
    {
        var expiry = DateTimeOffset.UtcNow.AddHours(1);
        var full = $"BlobEndpoint={azurite.BlobEndpoint};SharedAccessSignature={SasTokens.Account(AzuriteFixture.Account, AzuriteFixture.Key, "rwdlac", expiry)}";
        using (var store = CheckpointStores.Open($"azure://{AzuriteFixture.Account}/{_container}/sas", Small with { BlobConnectionString = full }))
        {
            await store.UploadAsync("x.bin", new MemoryStream(Bytes(BlockSize + 1, seed: 11)));
            Assert.Equal(Bytes(BlockSize + 1, seed: 11), await DownloadAsync(store, "x.bin"));
            await foreach (var stored in store.ListAsync())
            {
                Assert.Equal("x.bin", stored.Name);
            }
        }

        var readOnly = $"BlobEndpoint={azurite.BlobEndpoint};SharedAccessSignature={SasTokens.Account(AzuriteFixture.Account, AzuriteFixture.Key, "rl", expiry)}";
        using (var store = CheckpointStores.Open($"azure://{AzuriteFixture.Account}/{_container}/sas", Small with { BlobConnectionString = readOnly }))
        {
            Assert.Equal(BlockSize + 1, (await store.GetAsync("x.bin"))!.Length);
            var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => store.UploadAsync("y.bin", new MemoryStream([1])));
            Assert.Contains("403", error.Message);
        }
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_clearly()
    {
        var wrong = $"AccountName={AzuriteFixture.Account};AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint={azurite.BlobEndpoint}";
        using var store = CheckpointStores.Open($"azure://{AzuriteFixture.Account}/{_container}", Small with { BlobConnectionString = wrong });
        var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => store.UploadAsync("z.bin", new MemoryStream([1])));
        Assert.Contains("403", error.Message);
        Assert.Contains("account key", error.Message);
    }

    [Fact]
    public async Task Uploads_are_streamed_in_blocks_whose_ids_record_their_md5()
    {
        var content = Bytes(3 * BlockSize + 10, seed: 12);
        await Store.UploadAsync("blocks.bin", new MemoryStream(content));
        var blocks = (await ((AzureBlobCheckpointStore)Store).Blob("blocks.bin").GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToList();
        Assert.Equal([BlockSize, BlockSize, BlockSize, 10L], blocks.Select(b => b.SizeLong));
        Assert.Equal(BlockChecksum.Compute(content.AsSpan(BlockSize, BlockSize)), BlockIds.Checksum(blocks[1].Name));
    }

    [Fact]
    public async Task Blobs_whose_block_ids_have_the_rest_store_format_read_back_verified()
    {
        // The ids the hand-written REST store wrote before issue 13, spelled out here so that the format cannot drift:
        // base64 of "u2pl-" + the block's index in 6 digits + "-" + its MD5 in lowercase hex.
        string Id(int index, byte[] block) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"u2pl-{index:D6}-{Convert.ToHexStringLower(MD5.HashData(block))}"));
        var blocks = new[] { Bytes(BlockSize, seed: 21), Bytes(BlockSize, seed: 22), Bytes(100, seed: 23) };
        var blob = ((AzureBlobCheckpointStore)Store).Blob("written-by-rest.bin");
        await ((AzureBlobCheckpointStore)Store).Container.CreateIfNotExistsAsync();
        for (var i = 0; i < blocks.Length; i++)
        {
            await blob.StageBlockAsync(Id(i, blocks[i]), new MemoryStream(blocks[i]));
        }
        await blob.CommitBlockListAsync(blocks.Select((b, i) => Id(i, b)));

        Assert.Equal(blocks.SelectMany(b => b).ToArray(), await DownloadAsync(Store, "written-by-rest.bin"));
        await blob.StageBlockAsync(Id(1, blocks[1]), new MemoryStream(blocks[0]));
        await blob.CommitBlockListAsync(blocks.Select((b, i) => Id(i, b)));
        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(() => Store.DownloadAsync("written-by-rest.bin", Stream.Null));
        Assert.Contains("block 1", error.Message);
    }

    [Fact]
    public async Task A_block_damaged_in_transit_is_refused_by_its_transactional_md5()
    {
        var previous = Bytes(BlockSize, seed: 13);
        using var direct = azurite.Open(_container, "", Small);
        await direct.UploadAsync("model.safetensors", new MemoryStream(previous));
        await using var proxy = await ThrottlingProxy.StartAsync(azurite.BlobEndpoint, n => n == 1 ? ProxyAction.CorruptBody : ProxyAction.Forward);
        using var store = azurite.Open(_container, "", Small with { BlobConnectionString = AzuriteFixture.ConnectionStringFor(proxy.Endpoint) });

        var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => store.UploadAsync("model.safetensors", new MemoryStream(Bytes(2 * BlockSize, seed: 14))));
        Assert.Contains("upload block 0 of 'model.safetensors'", error.Message);
        Assert.Contains("HTTP 400", error.Message);
        Assert.Equal(previous, await DownloadAsync(store, "model.safetensors"));
    }

    [Fact]
    public async Task A_300_MB_object_round_trips_with_bounded_memory()
    {
        using var store = azurite.Open(_container, "big");
        await LargeObjects.RoundTripAsync(store);
    }
}
