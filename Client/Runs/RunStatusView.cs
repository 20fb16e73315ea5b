using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using U2PL.Contracts;

namespace U2PL.Client.Runs;

/// <summary>How <c>u2pl run status</c> shows a run: a Spectre.Console panel for a terminal, one line per update otherwise.</summary>
public static class RunStatusView
{
    private const int EventsShown = 8;

    /// <summary>The full view: progress, losses, workers, memory-bank fill, accuracy and recent events.</summary>
    public static IRenderable Render(RunStatus s)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(s.RunId)}[/]  {StateMarkup(s.State)}{(s.Message.Length > 0 ? "  " + Markup.Escape(s.Message) : "")}"),
            new Markup(Markup.Escape(Progress(s))),
            new Markup(Markup.Escape(Losses(s))),
            new Markup(Markup.Escape(Accuracy(s))),
        };
        if (s.Workers.Count > 0) rows.Add(WorkerTable(s));
        if (s.BankFill.Count > 0) rows.Add(BankChart(s));
        if (s.RecentEvents.Count > 0) rows.Add(EventTable(s.RecentEvents.OrderBy(e => e.Sequence).TakeLast(EventsShown)));
        return new Panel(new Rows(rows)).Header("u2pl run");
    }

    /// <summary>One line per update, for a log or a pipe.</summary>
    public static string Line(RunStatus s) =>
        $"{Timestamp()} {s.RunId} {StateName(s.State)} {Progress(s)} | {Losses(s)} | {Accuracy(s)}";

    public static string EventLine(RunEvent e) =>
        $"{e.Time.ToLocalTime():HH:mm:ss} [{e.Kind}] it {e.Iteration}: {e.Message}";

    /// <summary>A silo address without its generation (<c>127.0.0.1:11111@123456</c> → <c>127.0.0.1:11111</c>).</summary>
    /// <summary>A silo as Orleans names it (<c>S10.0.0.5:11111:155179997</c>, the last part its incarnation) → <c>10.0.0.5:11111</c>.</summary>
    public static string SiloName(string address) =>
        address.StartsWith('S') && address.Split(':') is [var host, var port, _] ? $"{host[1..]}:{port}" : address;

    /// <summary>A worker by its slot (<c>RUN/3</c> → <c>#3</c>).</summary>
    public static string WorkerName(string workerKey) => workerKey.LastIndexOf('/') is var slash and >= 0 ? "#" + workerKey[(slash + 1)..] : workerKey;

    public static string StateName(RunState state) => state switch
    {
        RunState.WarmUp => "warm-up",
        _ => state.ToString().ToLowerInvariant(),
    };

    public static string Duration(double seconds) =>
        double.IsFinite(seconds) && seconds >= 0 ? TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 86400 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--";

    public static string Percent(double? value) => value is { } v && double.IsFinite(v) ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) : "-";

    private static string Progress(RunStatus s)
    {
        var workers = s.Workers.Count(w => w.State is "training" or "starting");
        return $"epoch {Math.Min(s.Epoch + 1, Math.Max(1, s.Epochs))}/{s.Epochs} step {s.Iteration}/{s.TotalIterations} " +
               $"elapsed {Duration(s.SecondsElapsed)} ETA {Duration(s.EtaSeconds)} {s.ImagesPerSecond:F1} img/s " +
               $"workers {workers}/{s.DesiredResolved}{(s.Desired.Auto ? " (auto)" : "")}";
    }

    private static string Losses(RunStatus s) =>
        $"Ls {s.SupervisedLoss:F3} Lu {s.UnsupervisedLoss:F3} Lc {s.ContrastiveLoss:F3} αt {s.Alpha:F3} lr {s.LearningRate:G3} stale {s.StaleGradients}";

    private static string Accuracy(RunStatus s) =>
        $"val mIoU last {Percent(s.LastMeanIoU)} best {Percent(s.BestMeanIoU > 0 ? s.BestMeanIoU : null)}" +
        (s.LastCheckpoint.Length > 0 ? $" checkpoint {s.LastCheckpoint}" : "");

    private static string StateMarkup(RunState state)
    {
        var colour = state switch
        {
            RunState.Completed => "green",
            RunState.Failed => "red",
            RunState.Stopped or RunState.Paused => "yellow",
            _ => "blue",
        };
        return $"[{colour}]{StateName(state)}[/]";
    }

    private static Table WorkerTable(RunStatus s)
    {
        var table = new Table().Border(TableBorder.Simple).Title("workers");
        foreach (var column in new[] { "worker", "silo", "state", "img/s", "staleness", "steps", "comm s/step", "last report" })
        {
            table.AddColumn(column);
        }
        var now = DateTimeOffset.UtcNow;
        foreach (var w in s.Workers.OrderBy(w => w.WorkerKey, StringComparer.Ordinal))
        {
            var state = w.Error.Length > 0 ? $"{w.State}: {w.Error}" : w.State;
            var age = w.LastReport == default ? "-" : $"{Math.Max(0, (now - w.LastReport).TotalSeconds):F0} s ago";
            table.AddRow(Markup.Escape(WorkerName(w.WorkerKey)), Markup.Escape(SiloName(w.Silo)), Markup.Escape(state), w.ImagesPerSecond.ToString("F2", CultureInfo.InvariantCulture),
                w.Staleness.ToString(CultureInfo.InvariantCulture), w.Steps.ToString(CultureInfo.InvariantCulture),
                w.CommunicationSeconds.ToString("F3", CultureInfo.InvariantCulture), age);
        }
        return table;
    }

    private static IRenderable BankChart(RunStatus s)
    {
        var chart = new BarChart().Label($"memory bank fill (capacity {s.BankCapacity:N0} per class)").Width(60);
        if (s.BankCapacity > 0) chart.WithMaxValue(s.BankCapacity);
        for (var c = 0; c < s.BankFill.Count; c++)
        {
            chart.AddItem($"class {c}", s.BankFill[c], Color.Teal);
        }
        return chart;
    }

    private static Table EventTable(IEnumerable<RunEvent> events)
    {
        var table = new Table().Border(TableBorder.Simple).Title("recent events").AddColumn("time").AddColumn("step").AddColumn("event").AddColumn("");
        foreach (var e in events)
        {
            table.AddRow(e.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), e.Iteration.ToString(CultureInfo.InvariantCulture), Markup.Escape(e.Kind), Markup.Escape(e.Message));
        }
        return table;
    }

    private static string Timestamp() => DateTimeOffset.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
