using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using U2PL.Checkpoints;
using U2PL.CheckpointStore.Bench;

// One round: upload SIZE MiB to a fresh container through the azure:// store, download it, delete it; one JSON line.
// Usage: U2PL.CheckpointStore.Bench LABEL CONNECTION_STRING SIZE_MIB
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: U2PL.CheckpointStore.Bench LABEL CONNECTION_STRING SIZE_MIB");
    return 2;
}
var (label, connectionString, size) = (args[0], args[1], long.Parse(args[2], CultureInfo.InvariantCulture) << 20);
var container = "bench" + Guid.NewGuid().ToString("N")[..20];
using var store = CheckpointStores.Open($"azure://devstoreaccount1/{container}/round", new CheckpointStoreOptions { BlobConnectionString = connectionString });

// Warm up (JIT, connection, container creation) outside the measurement.
await store.UploadAsync("warmup", new MemoryStream(new byte[1 << 20]));
await store.DownloadAsync("warmup", Stream.Null);

GC.Collect();
var startRss = Environment.WorkingSet / 1e6;
PeakResidentSet.Reset();
var clock = Stopwatch.StartNew();
var stored = await store.UploadAsync("big.safetensors", new RepeatingStream(size, seed: 1));
var upload = clock.Elapsed.TotalSeconds;
var uploadPeak = PeakResidentSet.Megabytes();

GC.Collect();
PeakResidentSet.Reset();
var sink = new CountingSink();
clock.Restart();
await store.DownloadAsync("big.safetensors", sink);
var download = clock.Elapsed.TotalSeconds;
var downloadPeak = PeakResidentSet.Megabytes();

if (stored.Length != size || sink.Written != size)
{
    Console.Error.WriteLine($"{label}: wrote {stored.Length} and read {sink.Written} bytes of {size}");
    return 1;
}
await store.DeleteAsync("big.safetensors");
await store.DeleteAsync("warmup");
Console.WriteLine(JsonSerializer.Serialize(new
{
    store = label,
    bytes = size,
    upload_mb_per_s = Math.Round(size / 1e6 / upload, 1),
    download_mb_per_s = Math.Round(size / 1e6 / download, 1),
    start_rss_mb = Math.Round(startRss, 1),
    upload_peak_rss_mb = Math.Round(uploadPeak, 1),
    download_peak_rss_mb = Math.Round(downloadPeak, 1),
}));
return 0;
