using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Data;

/// <summary>
/// Yields the batches of one epoch's index sequence, built ahead of the consumer on background threads and held in a
/// bounded channel (<see cref="BatchLoaderOptions.PrefetchBatches"/>), so the training step does not wait for decoding
/// in steady state. <see cref="ConsumerWait"/> says how long the consumer did wait. Batches are owned by the consumer;
/// disposing the loader cancels the producer and disposes batches not handed out.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    private readonly Channel<SegmentationBatch> _channel;
    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;
    private long _waitTicks;
    private int _delivered;
    private bool _disposed;

    /// <summary>
    /// Starts loading <paramref name="order"/> (dataset indices, e.g. <see cref="EpochOrder.Shuffle"/>) in batches.
    /// Sample randomness comes from <paramref name="key"/> with each sample's index.
    /// </summary>
    public BatchLoader(ISegmentationDataset dataset, ISampleTransform transform, IReadOnlyList<int> order, BatchLoaderOptions options,
        SampleKey key, BadSampleStatistics? statistics = null, CancellationToken cancellationToken = default)
    {
        options.EnsureValid();
        foreach (var index in order)
        {
            if ((uint)index >= (uint)dataset.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(order), index, $"index outside the {dataset.Count} samples of {dataset.Name}");
            }
        }
        Options = options;
        Statistics = statistics ?? new BadSampleStatistics();
        var full = order.Count / options.BatchSize;
        BatchCount = options.DropLast || order.Count % options.BatchSize == 0 ? full : full + 1;
        _channel = Channel.CreateBounded<SegmentationBatch>(new BoundedChannelOptions(options.PrefetchBatches)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fetcher = new SampleFetcher(dataset, transform, options.OnBadSample, Statistics);
        var indices = order.ToArray();
        _producer = Task.Factory.StartNew(() => Produce(fetcher, indices, key, _stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>The settings.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Bad samples skipped so far (shared with other loaders when passed in).</summary>
    public BadSampleStatistics Statistics { get; }

    /// <summary>Batches this epoch yields.</summary>
    public int BatchCount { get; }

    /// <summary>Batches handed to the consumer so far.</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    /// <summary>Total time the consumer spent waiting in <see cref="Next"/> / <see cref="NextAsync"/>.</summary>
    public TimeSpan ConsumerWait => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    /// <summary>The next batch, or null after the last one; waits (and counts the wait) when none is ready.</summary>
    public SegmentationBatch? Next(CancellationToken cancellationToken = default) =>
        NextAsync(cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>The next batch, or null after the last one.</summary>
    public async ValueTask<SegmentationBatch?> NextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var reader = _channel.Reader;
        if (reader.TryRead(out var ready))
        {
            Interlocked.Increment(ref _delivered);
            return ready;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.TryRead(out var batch))
                {
                    Interlocked.Increment(ref _delivered);
                    return batch;
                }
            }
            return null;
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        finally
        {
            Interlocked.Add(ref _waitTicks, Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    /// <summary>Every remaining batch in order; the caller disposes each.</summary>
    public IEnumerable<SegmentationBatch> ReadAll(CancellationToken cancellationToken = default)
    {
        while (Next(cancellationToken) is { } batch)
        {
            yield return batch;
        }
    }

    /// <summary>Stops the producer, waits for it, and disposes the batches that were never handed out.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stop.Cancel();
        try
        {
            _producer.Wait();
        }
        catch (AggregateException)
        {
            // The producer's error was (or would have been) reported through the channel.
        }
        while (_channel.Reader.TryRead(out var batch))
        {
            batch.Dispose();
        }
        _stop.Dispose();
    }

    private async Task Produce(SampleFetcher fetcher, int[] order, SampleKey key, CancellationToken token)
    {
        try
        {
            for (var b = 0; b < BatchCount; b++)
            {
                var start = b * Options.BatchSize;
                var count = Math.Min(Options.BatchSize, order.Length - start);
                var batch = BuildBatch(fetcher, order.AsSpan(start, count).ToArray(), b, key, token);
                try
                {
                    await _channel.Writer.WriteAsync(batch, token).ConfigureAwait(false);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }
            _channel.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            _channel.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _channel.Writer.TryComplete(e);
        }
    }

    private SegmentationBatch BuildBatch(SampleFetcher fetcher, int[] indices, int batchIndex, SampleKey key, CancellationToken token)
    {
        var samples = new (TransformedSample Sample, int Index, string Id)[indices.Length];
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.Workers, CancellationToken = token };
            Parallel.For(0, indices.Length, parallel, i => samples[i] = fetcher.Fetch(indices[i], key with { SampleIndex = indices[i] }));
            var images = torch.stack(samples.Select(s => s.Sample.Image).ToArray());
            Tensor? labels = null;
            if (samples.All(s => s.Sample.Label is not null))
            {
                try
                {
                    labels = torch.stack(samples.Select(s => s.Sample.Label!).ToArray());
                }
                catch
                {
                    images.Dispose();
                    throw;
                }
            }
            return new SegmentationBatch(key.Epoch, batchIndex, images, labels, samples.Select(s => s.Index).ToArray(), samples.Select(s => s.Id).ToArray());
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        finally
        {
            foreach (var s in samples)
            {
                s.Sample?.Dispose();
            }
        }
    }
}
