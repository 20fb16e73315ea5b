using U2PL.Contracts;
using U2PL.Segmentation.Evaluation;

namespace U2PL.Grains.Run;

/// <summary>The run page's history: step points from the workers' reports, evaluations (persisted), the latest overlays.</summary>
public sealed partial class TrainingRunGrain
{
    private readonly StepSeries _steps = new();
    private List<OverlayImage> _overlays = [];

    public Task<RunHistory> GetHistory()
    {
        var record = Record;
        return Task.FromResult(new RunHistory { RunId = RunId, Steps = _steps.ToList(), Evaluations = [.. record.Evaluations], Overlays = _overlays });
    }

    private void RecordStep(WorkerReport report)
    {
        if (!report.Accepted) return;
        _steps.Add(new StepPoint
        {
            Iteration = report.Iteration, Seconds = Record.SecondsTrained, SupervisedLoss = report.SupervisedLoss, UnsupervisedLoss = report.UnsupervisedLoss,
            ContrastiveLoss = report.ContrastiveLoss, LearningRate = report.LearningRate,
            ImagesPerSecond = _workers.Values.Where(w => w.Reported).Sum(w => w.Info.ImagesPerSecond), Workers = _workers.Count,
        });
    }

    private void RecordEvaluation(int epoch, string model, EvaluationResult result, IReadOnlyList<string> classNames, IReadOnlyList<PredictionOverlay> overlays)
    {
        var record = Record;
        record.Evaluations.RemoveAll(e => e.Epoch == epoch);
        record.Evaluations.Add(new EvaluationPoint
        {
            Epoch = epoch, Iteration = Math.Min(record.LastIteration, (epoch + 1) * record.StepsPerEpoch), Model = model, MeanIoU = result.MeanIoU, ClassIoU = [.. result.ClassIoU],
            ClassNames = [.. classNames], Time = DateTimeOffset.UtcNow,
        });
        if (overlays.Count > 0) _overlays = [.. overlays.Select(o => new OverlayImage { Name = o.SampleId, Epoch = epoch, Png = o.ToPng() })];
    }
}
