using U2PL.Contracts;
using U2PL.Segmentation.Data;

namespace U2PL.Grains.Data;

/// <summary>
/// The dispenser's bookkeeping: iterations handed out in order, each as a lease with a deadline; an expired lease is
/// handed out again before any new iteration; completions, re-issues, duplicates and returns are counted per epoch.
/// An iteration's samples are the single-process trainer's: slice i of the epoch's order over each set.
/// </summary>
public sealed class LeaseBook(DispenserSetup setup, TimeProvider time) : ILeaseBook
{
    private readonly Dictionary<long, (long Iteration, string Worker, DateTimeOffset Deadline)> _outstanding = [];
    private readonly Dictionary<long, long> _expired = [];
    private readonly SortedSet<long> _returned = [];
    private readonly HashSet<long> _completedAbove = [];
    private readonly Dictionary<int, EpochCoverage> _coverage = [];
    private readonly EpochOrders _orders = new(setup.Seed, setup.StepsPerEpoch, setup.BatchSize);
    private long _next = setup.CompletedIterations;
    private long _nextLeaseId = 1;

    /// <summary>Iterations below this are all complete.</summary>
    public long CompletedThrough { get; private set; } = setup.CompletedIterations;

    public bool Held { get; set; }

    /// <summary>New iterations at or above the gate wait (the run moves it past each epoch's end once it closed the epoch).</summary>
    public long Gate { get; set; } = long.MaxValue;

    public int Outstanding => _outstanding.Count;

    public LeaseReply Lease(string worker)
    {
        if (Held)
        {
            return new LeaseReply { Status = LeaseStatus.Held };
        }
        var now = time.GetUtcNow();
        long iteration;
        var expired = _outstanding.Where(l => l.Value.Deadline <= now).OrderBy(l => l.Value.Iteration).FirstOrDefault();
        if (expired.Key != 0)
        {
            _outstanding.Remove(expired.Key);
            _expired[expired.Key] = expired.Value.Iteration;
            iteration = expired.Value.Iteration;
            Coverage(iteration).Reissued++;
        }
        else if (_returned.Count > 0)
        {
            iteration = _returned.Min;
            _returned.Remove(iteration);
        }
        else if (_next < setup.LastIteration && _next < Gate)
        {
            iteration = _next++;
        }
        else if (_next < setup.LastIteration)
        {
            return new LeaseReply { Status = LeaseStatus.Held };
        }
        else
        {
            return new LeaseReply { Status = _outstanding.Count > 0 ? LeaseStatus.Exhausted : LeaseStatus.Finished };
        }
        var id = _nextLeaseId++;
        var deadline = now + TimeSpan.FromSeconds(setup.LeaseTimeoutSeconds);
        _outstanding[id] = (iteration, worker, deadline);
        var epoch = EpochOf(iteration);
        var step = (int)(iteration - epoch * setup.StepsPerEpoch);
        return new LeaseReply
        {
            Status = LeaseStatus.Granted,
            Lease = new BatchLease
            {
                LeaseId = id, Iteration = iteration, Epoch = epoch, Deadline = deadline,
                Labeled = _orders.Slice(epoch, 0, setup.LabeledCount, step),
                Unlabeled = setup.Semi ? _orders.Slice(epoch, 1, setup.UnlabeledCount, step) : [],
            },
        };
    }

    /// <summary>
    /// Marks the lease's iteration done. False when the lease had expired and was handed to another worker: the
    /// iteration still counts as done if nobody finished it first (the gradient was applied), else as duplicated.
    /// </summary>
    public bool Complete(long leaseId)
    {
        var onTime = _outstanding.Remove(leaseId, out var lease);
        long iteration;
        if (onTime)
        {
            iteration = lease.Iteration;
        }
        else if (_expired.Remove(leaseId, out var late))
        {
            iteration = late;
        }
        else
        {
            return false;
        }
        if (!MarkDone(iteration))
        {
            Coverage(iteration).Duplicated++;
        }
        return onTime;
    }

    /// <summary>Expires every lease of a worker now (it is known dead): the next lease requests re-issue them.</summary>
    public int Release(string worker)
    {
        var now = time.GetUtcNow();
        var leases = _outstanding.Where(l => l.Value.Worker == worker).Select(l => l.Key).ToList();
        foreach (var id in leases)
        {
            _outstanding[id] = _outstanding[id] with { Deadline = now };
        }
        return leases.Count;
    }

    public void Return(long leaseId)
    {
        if (_outstanding.Remove(leaseId, out var lease) && !IsDone(lease.Iteration))
        {
            _returned.Add(lease.Iteration);
            Coverage(lease.Iteration).Returned++;
        }
    }

    public DispenserProgress Progress() => new()
    {
        CompletedThrough = CompletedThrough,
        Completed = CompletedThrough + _completedAbove.Count,
        Outstanding = _outstanding.Count,
        LastIteration = setup.LastIteration,
        Epochs = _coverage.Values.OrderBy(c => c.Epoch).ToList(),
        Held = Held,
    };

    private bool IsDone(long iteration) => iteration < CompletedThrough || _completedAbove.Contains(iteration);

    private bool MarkDone(long iteration)
    {
        if (IsDone(iteration))
        {
            return false;
        }
        _completedAbove.Add(iteration);
        while (_completedAbove.Remove(CompletedThrough))
        {
            CompletedThrough++;
        }
        var coverage = Coverage(iteration);
        coverage.StepsDone++;
        coverage.SamplesDone += setup.BatchSize * (setup.Semi ? 2 : 1);
        _returned.Remove(iteration);
        return true;
    }

    private int EpochOf(long iteration) => (int)Math.Min(setup.Epochs - 1, iteration / setup.StepsPerEpoch);

    private CoverageCounter Coverage(long iteration)
    {
        var epoch = EpochOf(iteration);
        if (!_coverage.TryGetValue(epoch, out var coverage))
        {
            var first = epoch * setup.StepsPerEpoch;
            var steps = Math.Max(0, Math.Min(setup.LastIteration, first + setup.StepsPerEpoch) - first);
            coverage = new EpochCoverage { Epoch = epoch, Steps = steps };
            _coverage[epoch] = coverage;
        }
        return new CoverageCounter(_coverage, epoch);
    }
}
