using U2PL.Contracts;

namespace U2PL.Grains.Data;

/// <summary>
/// The dispenser's bookkeeping in sync mode: step t is M micro-batch leases, handed to whichever workers ask (one
/// worker may take several); an expired lease is handed out again with the same micro-batch, so it is computed again
/// with the same inputs; step t + 1 opens only when every micro-batch of step t is complete, which is when every shard
/// and bank has applied step t. Holding (pause, checkpoint) and the epoch gate keep the next step closed but let the
/// open one finish, so no lease is outstanding exactly at a step boundary.
/// </summary>
public sealed class MicroBatchBook : ILeaseBook
{
    private readonly DispenserSetup _setup;
    private readonly TimeProvider _time;
    private readonly EpochOrders _orders;
    private readonly Dictionary<int, EpochCoverage> _coverage = [];
    private readonly OutLease?[] _leases;
    private readonly bool[] _done;
    // Every lease not yet completed or returned, also the expired ones whose worker may still complete them.
    private readonly Dictionary<long, (long Step, int MicroBatch)> _issued = [];
    private long _step;
    private bool _open;
    private long _nextLeaseId = 1;

    public MicroBatchBook(DispenserSetup setup, TimeProvider time)
    {
        if (setup.MicroBatches < 1 || setup.BatchSize % setup.MicroBatches != 0)
        {
            throw new ArgumentException($"a batch of {setup.BatchSize} does not split into {setup.MicroBatches} micro-batches");
        }
        _setup = setup;
        _time = time;
        _orders = new EpochOrders(setup.Seed, setup.StepsPerEpoch, setup.BatchSize);
        _leases = new OutLease?[setup.MicroBatches];
        _done = new bool[setup.MicroBatches];
        _step = setup.CompletedIterations;
    }

    public bool Held { get; set; }

    public long Gate { get; set; } = long.MaxValue;

    /// <summary>The step whose micro-batches are handed out (or the next to open).</summary>
    public long Step => _step;

    public LeaseReply Lease(string worker)
    {
        if (!_open)
        {
            if (_step >= _setup.LastIteration)
            {
                return new LeaseReply { Status = LeaseStatus.Finished };
            }
            if (Held || _step >= Gate)
            {
                return new LeaseReply { Status = LeaseStatus.Held };
            }
            Array.Clear(_leases);
            Array.Clear(_done);
            _open = true;
        }
        var now = _time.GetUtcNow();
        var microBatch = FirstFree();
        if (microBatch < 0)
        {
            microBatch = FirstExpired(now);
            if (microBatch < 0)
            {
                return new LeaseReply { Status = LeaseStatus.Exhausted }; // the step's last micro-batches are being computed
            }
            Coverage(_step).Reissued++;
        }
        var id = _nextLeaseId++;
        var deadline = now + TimeSpan.FromSeconds(_setup.LeaseTimeoutSeconds);
        _leases[microBatch] = new OutLease(id, worker, deadline);
        _issued[id] = (_step, microBatch);
        var epoch = EpochOf(_step);
        var step = (int)(_step - epoch * _setup.StepsPerEpoch);
        var count = _setup.MicroBatches;
        return new LeaseReply
        {
            Status = LeaseStatus.Granted,
            Lease = new BatchLease
            {
                LeaseId = id, Iteration = _step, Epoch = epoch, Deadline = deadline, MicroBatch = microBatch, MicroBatches = count, Generation = _setup.Generation,
                Labeled = _orders.Slice(epoch, 0, _setup.LabeledCount, step, microBatch, count),
                Unlabeled = _setup.Semi ? _orders.Slice(epoch, 1, _setup.UnlabeledCount, step, microBatch, count) : [],
            },
        };
    }

    /// <summary>
    /// Marks the lease's micro-batch done (its pushes were accepted everywhere). A lease that expired and was handed out
    /// again still completes the micro-batch if nobody did first, and returns false; a second completion is a duplicate.
    /// </summary>
    public bool Complete(long leaseId)
    {
        if (!_issued.Remove(leaseId, out var issued))
        {
            return false;
        }
        var (step, microBatch) = issued;
        var onTime = _open && step == _step && _leases[microBatch]?.Id == leaseId;
        if (onTime)
        {
            _leases[microBatch] = null;
        }
        if (!_open || step != _step || _done[microBatch])
        {
            Coverage(step).Duplicated++;
            return onTime;
        }
        _done[microBatch] = true;
        if (_done.All(done => done))
        {
            CloseStep();
        }
        return onTime;
    }

    public void Return(long leaseId)
    {
        if (_issued.Remove(leaseId, out var issued) && _open && issued.Step == _step && _leases[issued.MicroBatch]?.Id == leaseId)
        {
            _leases[issued.MicroBatch] = null;
            Coverage(_step).Returned++;
        }
    }

    /// <summary>Expires every lease of a worker now (it is known dead): the next lease requests hand its micro-batches out again.</summary>
    public int Release(string worker)
    {
        var now = _time.GetUtcNow();
        var released = 0;
        for (var m = 0; m < _leases.Length; m++)
        {
            if (_leases[m] is { } lease && lease.Worker == worker)
            {
                _leases[m] = lease with { Deadline = now };
                released++;
            }
        }
        return released;
    }

    public DispenserProgress Progress() => new()
    {
        CompletedThrough = _step,
        Completed = _step,
        Outstanding = _open ? _done.Count(done => !done) : 0,
        LastIteration = _setup.LastIteration,
        Epochs = _coverage.Values.OrderBy(c => c.Epoch).ToList(),
        Held = Held,
    };

    private int FirstExpired(DateTimeOffset now)
    {
        for (var m = 0; m < _leases.Length; m++)
        {
            if (_leases[m] is { } lease && lease.Deadline <= now && !_done[m]) return m;
        }
        return -1;
    }

    private int FirstFree()
    {
        for (var m = 0; m < _leases.Length; m++)
        {
            if (_leases[m] is null && !_done[m]) return m;
        }
        return -1;
    }

    private void CloseStep()
    {
        var coverage = Coverage(_step);
        coverage.StepsDone++;
        coverage.SamplesDone += _setup.BatchSize * (_setup.Semi ? 2 : 1);
        // Leases of long-closed steps whose workers never came back.
        foreach (var id in _issued.Where(e => e.Value.Step < _step - 16).Select(e => e.Key).ToList())
        {
            _issued.Remove(id);
        }
        _step++;
        _open = false;
    }

    private int EpochOf(long iteration) => (int)Math.Min(_setup.Epochs - 1, iteration / _setup.StepsPerEpoch);

    private CoverageCounter Coverage(long iteration)
    {
        var epoch = EpochOf(iteration);
        if (!_coverage.ContainsKey(epoch))
        {
            var first = epoch * _setup.StepsPerEpoch;
            _coverage[epoch] = new EpochCoverage { Epoch = epoch, Steps = Math.Max(0, Math.Min(_setup.LastIteration, first + _setup.StepsPerEpoch) - first) };
        }
        return new CoverageCounter(_coverage, epoch);
    }

    /// <summary>A micro-batch out on lease.</summary>
    private sealed record OutLease(long Id, string Worker, DateTimeOffset Deadline);
}
