using System.Collections.Concurrent;

namespace U2PL.Segmentation.Data;

/// <summary>One skipped sample, as reported by the trainer.</summary>
public sealed record BadSampleRecord(int Index, BadSampleReason Reason, string Path, string Message);

/// <summary>
/// Thread-safe tally of samples skipped under <see cref="BadSamplePolicy.Skip"/>: each distinct bad sample once (with
/// its reason), plus how many loads were skipped in total (a bad sample is skipped again in every epoch).
/// </summary>
public sealed class BadSampleStatistics
{
    private readonly ConcurrentDictionary<int, BadSampleRecord> _samples = new();
    private long _skippedLoads;

    /// <summary>Distinct bad samples seen so far.</summary>
    public int Count => _samples.Count;

    /// <summary>Loads that were skipped (counting repeats across epochs).</summary>
    public long SkippedLoads => Interlocked.Read(ref _skippedLoads);

    /// <summary>The distinct bad samples, ordered by dataset index.</summary>
    public IReadOnlyList<BadSampleRecord> Samples => _samples.Values.OrderBy(r => r.Index).ToArray();

    /// <summary>Distinct bad samples per reason.</summary>
    public IReadOnlyDictionary<BadSampleReason, int> CountByReason =>
        _samples.Values.GroupBy(r => r.Reason).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Whether sample <paramref name="index"/> is known to be bad (so the loader need not read it again).</summary>
    public bool IsKnownBad(int index) => _samples.ContainsKey(index);

    /// <summary>Records that sample <paramref name="index"/> was skipped because of <paramref name="error"/>.</summary>
    public void Record(int index, BadSampleException error)
    {
        Interlocked.Increment(ref _skippedLoads);
        _samples.TryAdd(index, new BadSampleRecord(index, error.Reason, error.Path, error.Message));
    }

    /// <summary>Records another skip of an already known bad sample.</summary>
    public void RecordRepeat() => Interlocked.Increment(ref _skippedLoads);

    /// <summary>One line for logs: "3 bad samples skipped (corrupt image: 2, invalid mask value: 1)".</summary>
    public override string ToString()
    {
        if (Count == 0)
        {
            return "no bad samples";
        }
        var parts = CountByReason.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}");
        return $"{Count} bad samples skipped in {SkippedLoads} loads ({string.Join(", ", parts)})";
    }
}
