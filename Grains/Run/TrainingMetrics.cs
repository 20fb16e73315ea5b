using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace U2PL.Grains.Run;

/// <summary>
/// The training metrics of the runs whose run grain is active on this silo, as the meter <see cref="MeterName"/>
/// (names after the OpenTelemetry semantic conventions: dotted, lower case, a unit each; every series carries
/// <c>u2pl.run.id</c>). All instruments are observable over the runs' last <see cref="RunSeries"/>: a run that finishes
/// or deactivates is <see cref="Retire">retired</see> and its series stop, instead of staying at their last value.
/// The silo's <c>/metrics</c> and its OTLP exporter read this meter; the list is in README "Metrics".
/// </summary>
public sealed class TrainingMetrics
{
    public const string MeterName = "U2PL.Training";

    private readonly ConcurrentDictionary<string, RunSeries> _runs = new();

    public TrainingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("u2pl.training.loss", Losses, null,
            "Loss of the last reported step, by u2pl.loss.kind: supervised (Ls), unsupervised (Lu), contrastive (Lc)");
        meter.CreateObservableGauge("u2pl.training.unsupervised_weight", () => Each(r => r.UnsupervisedWeight), null,
            "Adaptive weight of the unsupervised loss, lambda_u (U2PL Eq. 8), of the last reported step");
        meter.CreateObservableGauge("u2pl.training.entropy_threshold", () => Each(r => r.EntropyThreshold), null,
            "Entropy threshold gamma_t above which pseudo-labels are unreliable, of the last reported step");
        meter.CreateObservableGauge("u2pl.training.alpha", () => Each(r => r.Alpha), "1",
            "Share of unreliable pixels alpha_t (U2PL Eq. 7) of the last reported step");
        meter.CreateObservableGauge("u2pl.training.learning_rate", () => Each(r => r.LearningRate), null,
            "Learning rate of the last reported step");
        meter.CreateObservableCounter("u2pl.training.images", () => Each(r => (long?)r.Images), "{image}",
            "Images of the accepted training steps reported to the run");
        meter.CreateObservableGauge("u2pl.training.throughput", () => Each(r => (double?)r.ImagesPerSecond), "{image}/s",
            "Images per second, summed over the run's workers");
        meter.CreateObservableGauge("u2pl.training.iteration", () => Each(r => (long?)r.Iteration), "{iteration}",
            "Global iterations done");
        meter.CreateObservableUpDownCounter("u2pl.training.workers", Workers, "{worker}",
            "The run's workers, by u2pl.worker.state");
        meter.CreateObservableUpDownCounter("u2pl.training.desired_workers", () => Each(r => (long?)r.DesiredWorkers), "{worker}",
            "Workers the run wants (a number, or the cluster's GPU slots for --workers auto)");
        meter.CreateObservableCounter("u2pl.training.stale_gradients", () => Each(r => (long?)r.StaleGradients), "{gradient}",
            "Gradients the parameter server rejected or down-scaled as stale");
        meter.CreateObservableGauge("u2pl.training.staleness", () => Each(r => (long?)r.MaxStaleness), "{version}",
            "Largest number of weight versions a worker's last gradient was behind");
        meter.CreateObservableUpDownCounter("u2pl.memory_bank.fill", () => PerClass(r => r.BankFill), "{feature}",
            "Negative features held in the class memory bank, by u2pl.class.index");
        meter.CreateObservableUpDownCounter("u2pl.memory_bank.capacity", () => PerClass(r => r.BankCapacity), "{feature}",
            "Capacity of the class memory bank, by u2pl.class.index");
        meter.CreateObservableGauge("u2pl.evaluation.mean_iou", () => Each(r => r.MeanIoU), "1",
            "Validation mean IoU of the last evaluation");
    }

    /// <summary>Replaces the run's series (the run grain calls this on every reconcile tick).</summary>
    public void Publish(RunSeries series) => _runs[series.RunId] = series;

    /// <summary>Ends the run's series on this silo: it finished, or its grain deactivated here.</summary>
    public void Retire(string runId) => _runs.TryRemove(runId, out _);

    private static KeyValuePair<string, object?> Run(RunSeries run) => new("u2pl.run.id", run.RunId);

    private IEnumerable<Measurement<T>> Each<T>(Func<RunSeries, T?> value) where T : struct
    {
        foreach (var run in _runs.Values)
        {
            if (value(run) is { } v) yield return new Measurement<T>(v, Run(run));
        }
    }

    private IEnumerable<Measurement<double>> Losses()
    {
        foreach (var run in _runs.Values)
        {
            if (run.Losses is not { } losses) continue;
            yield return new Measurement<double>(losses.Supervised, Run(run), new("u2pl.loss.kind", "supervised"));
            yield return new Measurement<double>(losses.Unsupervised, Run(run), new("u2pl.loss.kind", "unsupervised"));
            yield return new Measurement<double>(losses.Contrastive, Run(run), new("u2pl.loss.kind", "contrastive"));
        }
    }

    private IEnumerable<Measurement<long>> Workers()
    {
        foreach (var run in _runs.Values)
        {
            // "training" is always there, 0 when none is, so that a run without workers shows as such.
            yield return new Measurement<long>(run.Workers.GetValueOrDefault("training"), Run(run), new("u2pl.worker.state", "training"));
            foreach (var (state, count) in run.Workers.Where(w => w.Key != "training"))
            {
                yield return new Measurement<long>(count, Run(run), new("u2pl.worker.state", state));
            }
        }
    }

    private IEnumerable<Measurement<long>> PerClass(Func<RunSeries, IReadOnlyList<long>> values)
    {
        foreach (var run in _runs.Values)
        {
            var perClass = values(run);
            for (var c = 0; c < perClass.Count; c++)
            {
                yield return new Measurement<long>(perClass[c], Run(run), new("u2pl.class.index", c));
            }
        }
    }
}
