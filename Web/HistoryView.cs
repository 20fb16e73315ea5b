using U2PL.Contracts;

namespace U2PL.Web;

/// <summary>A run's history as the page reads it: the overlays as links (<c>overlays/{n}.png</c>) instead of their bytes.</summary>
public sealed record HistoryView(string RunId, List<StepPoint> Steps, List<EvaluationPoint> Evaluations, List<HistoryView.Overlay> Overlays)
{
    public sealed record Overlay(string Name, int Epoch, string Url);

    public static HistoryView From(RunHistory history) =>
        new(history.RunId, history.Steps, history.Evaluations,
            [.. history.Overlays.Select((o, i) => new Overlay(o.Name, o.Epoch, $"overlays/{i}.png"))]);
}
