using U2PL.Contracts;
using U2PL.Grains.Run;

namespace U2PL.Grains.Tests;

/// <summary>The run page's loss series stays bounded and keeps spanning the whole run at an even spacing.</summary>
public sealed class StepSeriesTests
{
    [Fact]
    public void A_long_run_is_thinned_evenly_and_keeps_its_first_and_recent_steps()
    {
        var series = new StepSeries(capacity: 64);
        for (var i = 0; i < 10_000; i++) series.Add(new StepPoint { Iteration = i, SupervisedLoss = i });

        var points = series.ToList();
        Assert.InRange(points.Count, 32, 64);
        Assert.Equal(0, points[0].Iteration);
        var gaps = points.Zip(points.Skip(1), (a, b) => b.Iteration - a.Iteration).Distinct().ToList();
        Assert.Single(gaps); // one spacing all along
        Assert.True(points[^1].Iteration >= 10_000 - gaps[0], $"the last point {points[^1].Iteration} lags the run by more than one spacing ({gaps[0]})");
    }

    [Fact]
    public void A_short_run_keeps_every_step_in_iteration_order()
    {
        var series = new StepSeries(capacity: 64);
        foreach (var i in new[] { 2, 0, 1, 3 }) series.Add(new StepPoint { Iteration = i });
        Assert.Equal([0L, 1, 2, 3], series.ToList().Select(p => p.Iteration));
    }
}
