using Microsoft.Extensions.Time.Testing;
using U2PL.Contracts;
using U2PL.Grains.Run;
using Xunit;

namespace U2PL.Grains.Tests;

/// <summary>The run's worker fleet as plain logic on a fake clock: which slots start, stop, are silent or lost with their silo.</summary>
public sealed class WorkerFleetTests
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(35);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Missing_slots_start_once_and_surplus_slots_are_asked_to_stop_once()
    {
        var fleet = new WorkerFleet(_time, Silence);
        Assert.Equal(["r/0", "r/1", "r/2"], fleet.Plan("r", 3, Dead()).Start);
        Assert.Empty(fleet.Plan("r", 3, Dead()).Start);

        var down = fleet.Plan("r", 1, Dead());
        Assert.Empty(down.Start);
        Assert.Equal(["r/1", "r/2"], down.Stop);
        Assert.Empty(fleet.Plan("r", 1, Dead()).Stop);
        Assert.Equal(3, fleet.Count); // they leave when they say they stopped
        fleet.Stopped("r/1");
        fleet.Stopped("r/2");
        Assert.Equal(["r/0"], fleet.Workers.Select(w => w.WorkerKey));
    }

    [Fact]
    public void A_worker_that_never_reports_is_started_again_after_the_start_grace_and_a_silent_one_after_the_silence()
    {
        var fleet = new WorkerFleet(_time, Silence);
        fleet.Plan("r", 2, Dead());
        fleet.Report(Report("r/1", iteration: 0));

        _time.Advance(Silence + TimeSpan.FromSeconds(1));
        var plan = fleet.Plan("r", 2, Dead());
        Assert.Equal(["r/1"], plan.Silent.Select(s => s.Key));
        Assert.Equal(["r/1"], plan.Start);

        _time.Advance(WorkerFleet.StartGrace);
        Assert.Equal(["r/0"], fleet.Plan("r", 2, Dead()).Silent.Select(s => s.Key)); // r/1 restarted 180 s ago: still in its grace
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["r/1"], fleet.Plan("r", 2, Dead()).Silent.Select(s => s.Key));
    }

    [Fact]
    public void Workers_on_a_dead_silo_are_lost_and_their_slots_start_again()
    {
        var fleet = new WorkerFleet(_time, Silence);
        fleet.Plan("r", 2, Dead());
        fleet.Started("r/0", new WorkerInfo { WorkerKey = "r/0", Silo = "S-a", State = WorkerState.Training });
        fleet.Started("r/1", new WorkerInfo { WorkerKey = "r/1", Silo = "S-b", State = WorkerState.Training });

        var plan = fleet.Plan("r", 2, Dead("S-b"));
        Assert.Equal([new LostWorker("r/1", "S-b")], plan.Lost);
        Assert.Equal(["r/1"], plan.Start);
        Assert.Equal(WorkerState.Starting, fleet.Workers.Single(w => w.WorkerKey == "r/1").State);
    }

    [Fact]
    public void The_first_accepted_report_is_the_join_and_says_how_long_since_the_scale()
    {
        var fleet = new WorkerFleet(_time, Silence);
        fleet.Plan("r", 1, Dead());
        _time.Advance(TimeSpan.FromSeconds(2));
        fleet.Scaled();
        fleet.Plan("r", 2, Dead());
        _time.Advance(TimeSpan.FromSeconds(7));

        Assert.Null(fleet.Report(Report("r/1", iteration: 4, accepted: false)));
        var join = fleet.Report(Report("r/1", iteration: 5));
        Assert.NotNull(join);
        Assert.Equal(5, join.Iteration);
        Assert.Equal(TimeSpan.FromSeconds(7), join.SinceStart);
        Assert.Equal(TimeSpan.FromSeconds(7), join.SinceScale);
        Assert.Null(fleet.Report(Report("r/1", iteration: 6)));
        Assert.Null(fleet.Report(Report("r/0", iteration: 6))!.SinceScale); // started before the scale
    }

    private static WorkerReport Report(string key, long iteration, bool accepted = true) =>
        new() { Worker = new WorkerInfo { WorkerKey = key, Silo = "S-a", State = WorkerState.Training, ImagesPerSecond = 1 }, Iteration = iteration, Accepted = accepted };

    private static HashSet<string> Dead(params string[] silos) => [.. silos];
}
