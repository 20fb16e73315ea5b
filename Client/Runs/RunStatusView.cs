using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using U2PL.Contracts;

namespace U2PL.Client.Runs;

/// <summary>How <c>u2pl run status</c> shows a run: a Spectre.Console panel for a terminal, one line per update otherwise.</summary>
public static class RunStatusView
{
    private const int EventsShown = 8;

    /// <summary>The full view: progress, losses, the cluster mode, workers, memory-bank fill, accuracy and recent events.</summary>
    public static IRenderable Render(RunStatus s)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(s.RunId)}[/]  {StateMarkup(s.State)}{(s.Message.Length > 0 ? "  " + Markup.Escape(s.Message) : "")}"),
            new Markup(Markup.Escape(Progress(s))),
            new Markup(Markup.Escape(Losses(s))),
            new Markup(Markup.Escape(Accuracy(s))),
        };
        if (s.Mode.Length > 0) rows.Add(new Markup(Markup.Escape(Mode(s))));
        if (s.Workers.Count > 0) rows.Add(WorkerTable(s));
        if (s.MicroBatchAssignments.Count > 0) rows.Add(new Markup(Markup.Escape(Assignments(s))));
        if (s.BankFill.Count > 0) rows.Add(BankChart(s));
        if (s.RecentEvents.Count > 0) rows.Add(EventTable(s.RecentEvents.OrderBy(e => e.Sequence).TakeLast(EventsShown)));
        return new Panel(new Rows(rows)).Header("u2pl run");
    }

    /// <summary>One line per update, for a log or a pipe.</summary>
    public static string Line(RunStatus s) =>
        $"{Timestamp()} {s.RunId} {StateName(s.State)} {Progress(s)} | {Losses(s)} | {Accuracy(s)}" + (s.Mode.Length > 0 ? $" | {Mode(s)}" : "");

    /// <summary>
    /// The cluster mode: <c>mode sync, 4 micro-batches a step, barrier wait 0.42 s/step (12.5%)</c> (the seconds the
    /// workers together waited for each step to open, and that wait's share of their time, then the tensor bytes the
    /// shards moved over the data plane when they did: <c>, data plane 1.2 GiB</c>), or <c>mode async</c>.
    /// </summary>
    public static string Mode(RunStatus s) =>
        s.Mode != "sync" ? $"mode {s.Mode}" :
        string.Create(CultureInfo.InvariantCulture,
            $"mode sync, {s.MicroBatches} micro-batch{(s.MicroBatches == 1 ? "" : "es")} a step, barrier wait {s.BarrierWaitSeconds:F2} s/step ({s.BarrierWaitShare * 100:F1}%)") +
        (s.DataPlaneBytes > 0 ? string.Create(CultureInfo.InvariantCulture, $", data plane {s.DataPlaneBytes / (double)(1 << 30):F2} GiB") : "");

    /// <summary>The latest completed step's micro-batches and who computed each: <c>step 41: 0→#0 1→#1 2→#0 3→#1</c>.</summary>
    public static string Assignments(RunStatus s)
    {
        if (s.MicroBatchAssignments.Count == 0) return "";
        var step = s.MicroBatchAssignments.Max(a => a.Iteration);
        var parts = s.MicroBatchAssignments.Where(a => a.Iteration == step).OrderBy(a => a.MicroBatch).Select(a => $"{a.MicroBatch}→{WorkerName(a.WorkerKey)}");
        return $"step {step}: {string.Join(" ", parts)}";
    }

    public static string EventLine(RunEvent e) =>
        $"{e.Time.ToLocalTime():HH:mm:ss} [{e.Kind.Name()}] it {e.Iteration}: {e.Message}";

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
        var workers = s.Workers.Count(w => w.State is WorkerState.Training or WorkerState.Starting);
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
        var sync = s.Mode == "sync";
        foreach (var column in new[] { "worker", "silo", "state", "img/s", "staleness", "steps", "comm s/step" }
                     .Concat(sync ? ["micro-batch", "barrier s/lease"] : []).Append("last report"))
        {
            table.AddColumn(column);
        }
        var now = DateTimeOffset.UtcNow;
        foreach (var w in s.Workers.OrderBy(w => w.WorkerKey, StringComparer.Ordinal))
        {
            var state = w.Error.Length > 0 ? $"{w.State.Name()}: {w.Error}" : w.State.Name();
            var age = w.LastReport == default ? "-" : $"{Math.Max(0, (now - w.LastReport).TotalSeconds):F0} s ago";
            var cells = new List<string>
            {
                Markup.Escape(WorkerName(w.WorkerKey)), Markup.Escape(SiloName(w.Silo)), Markup.Escape(state), w.ImagesPerSecond.ToString("F2", CultureInfo.InvariantCulture),
                w.Staleness.ToString(CultureInfo.InvariantCulture), w.Steps.ToString(CultureInfo.InvariantCulture),
                w.CommunicationSeconds.ToString("F3", CultureInfo.InvariantCulture),
            };
            if (sync) cells.AddRange([w.LastMicroBatch.Length > 0 ? Markup.Escape(w.LastMicroBatch) : "-", w.BarrierWaitSeconds.ToString("F2", CultureInfo.InvariantCulture)]);
            cells.Add(age);
            table.AddRow([.. cells]);
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
            table.AddRow(e.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), e.Iteration.ToString(CultureInfo.InvariantCulture), Markup.Escape(e.Kind.Name()), Markup.Escape(e.Message));
        }
        return table;
    }

    private static string Timestamp() => DateTimeOffset.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
