using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Run;

/// <summary>The units a run's coordinator delegates to, built for a run that exists (again after each activation).</summary>
internal sealed record RunUnits(TrainingOptions Options, WorkerFleet Fleet, RunWorkers Workers, RunTelemetry Telemetry,
    RunStatusProjection Projection, RunCheckpoints Checkpoints, RunEvaluations Evaluations)
{
    public static RunUnits Create(IGrainFactory grains, RunRecord record, TrainingOptions? options, TimeProvider time, TrainingMetrics? metrics, ILogger logger,
        Action<RunEventKind, string> emit)
    {
        options ??= RunModel.Options(record.ConfigText, record.ConfigSource);
        var fleet = new WorkerFleet(time, TimeSpan.FromSeconds(options.Cluster.LeaseTimeoutSeconds + 5));
        var projection = new RunStatusProjection(grains, record, options, logger);
        return new RunUnits(options, fleet, new RunWorkers(grains, record.RunId, fleet, emit, logger),
            new RunTelemetry(record.RunId, options, record, metrics, logger, warning => emit(RunEventKind.Warning, warning)),
            projection, new RunCheckpoints(grains, record, options, projection, emit), new RunEvaluations(grains, record, options));
    }
}
