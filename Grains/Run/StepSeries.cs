using U2PL.Contracts;

namespace U2PL.Grains.Run;

/// <summary>
/// A run's step points for its page, in bounded memory: when full, every other point is dropped and only every
/// second report is kept from then on, so the series always spans the whole run at an even spacing.
/// </summary>
public sealed class StepSeries(int capacity = 2048)
{
    private List<StepPoint> _points = [];
    private int _stride = 1;
    private long _seen;

    public void Add(StepPoint point)
    {
        if (_seen++ % _stride != 0) return;
        _points.Add(point);
        if (_points.Count < capacity) return;
        _points = [.. _points.Where((_, i) => i % 2 == 0)];
        _stride *= 2;
    }

    public List<StepPoint> ToList() => [.. _points.OrderBy(p => p.Iteration)];

    public int Count => _points.Count;
}
