using Microsoft.Extensions.Logging;
using U2PL.Contracts;
using U2PL.Grains.Hosting;
using U2PL.Grains.Model;
using U2PL.Grains.Placement;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;

namespace U2PL.Grains.Evaluation;

/// <summary>
/// A run's validation (<see cref="IEvaluationGrain"/>) on a GPU-role silo: the pass over the validation set runs on a
/// pool thread, so the grain answers <see cref="Outcome"/> while it works; one request at a time (a newer one replaces
/// the older's outcome once the older has finished). The pass is <see cref="NativeWork"/>: the process does not exit under it.
/// </summary>
[GpuSiloPlacement]
[GrainType("u2pl.evaluation")]
public sealed partial class EvaluationGrain(ILogger<EvaluationGrain> logger, DatasetTypes datasetTypes, NativeWork? nativeWork = null) : Grain, IEvaluationGrain
{
    private long _requestId = -1;
    private Task<EvaluationReport>? _running;

    public Task Start(EvaluationRequest request)
    {
        if (request.RequestId == _requestId)
        {
            return Task.CompletedTask;
        }
        _requestId = request.RequestId;
        var silo = RuntimeIdentity;
        // After the one before, if it still runs: two passes at once would race for the silo's cores (and memory), and
        // one whose outcome nobody asks for any more is still libtorch work the process must not exit under.
        var previous = _running ?? Task.CompletedTask;
        _running = previous.ContinueWith(before =>
        {
            _ = before.Exception; // a replaced pass's error: its outcome is nobody's now
            return Evaluate(request, datasetTypes, silo);
        }, CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default);
        nativeWork?.Track(_running, $"validation of {this.GetPrimaryKeyString()}"); // the silo's stop does not wait for it
        LogStarted(logger, this.GetPrimaryKeyString(), request.Epoch + 1, request.Model, silo);
        return Task.CompletedTask;
    }

    public Task<EvaluationOutcome> Outcome(long requestId)
    {
        if (requestId != _requestId || _running is not { } running)
        {
            return Task.FromResult(new EvaluationOutcome { Progress = EvaluationProgress.Unknown });
        }
        if (!running.IsCompleted)
        {
            return Task.FromResult(new EvaluationOutcome { Progress = EvaluationProgress.Running });
        }
        if (running.Exception is { } failed)
        {
            var error = failed.InnerException ?? failed;
            LogFailed(logger, error, this.GetPrimaryKeyString());
            return Task.FromResult(new EvaluationOutcome { Progress = EvaluationProgress.Failed, Error = error.Message });
        }
        return Task.FromResult(new EvaluationOutcome { Progress = EvaluationProgress.Done, Report = running.Result });
    }

    private static EvaluationReport Evaluate(EvaluationRequest request, DatasetTypes datasetTypes, string silo)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var options = RunModel.Options(request.ConfigText);
        using var model = EvaluatedModel.Build(options.Model, request.Tensors);
        var validation = TrainingDatasets.OpenValidation(options.Data, datasetTypes);
        var result = new Evaluator(options.Data.ValMode, options.Data.ValAugmentation, options.Data.ValCropSize).Evaluate(model, validation);
        var (overlays, drawingError) = Draw(model, validation, request, options);
        return new EvaluationReport
        {
            Epoch = request.Epoch, Iteration = request.Iteration, Model = request.Model, MeanIoU = result.MeanIoU, ClassIoU = result.ClassIoU,
            PixelAccuracy = result.PixelAccuracy, Images = result.Images, ClassNames = [.. validation.ClassNames], Overlays = overlays,
            DrawingError = drawingError, Silo = silo, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>The prediction overlays for TensorBoard and the run page; a drawing error is reported, not thrown.</summary>
    private static (List<OverlayPixels> Overlays, string Error) Draw(DeepLabV3Plus model, ISegmentationDataset validation, EvaluationRequest request,
        TrainingOptions options)
    {
        if (request.Overlays <= 0) return ([], "");
        try
        {
            var overlays = PredictionOverlays.Render(model, validation, request.Overlays, options.Data.ValAugmentation);
            return ([.. overlays.Select(o => new OverlayPixels { SampleId = o.SampleId, Height = o.Height, Width = o.Width, Pixels = o.Pixels })], "");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ([], $"prediction overlays at iteration {request.Iteration} failed (TensorBoard and the run page show none): {e.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "run {Run}: validating epoch {Epoch}'s {Model} on {Silo}")]
    private static partial void LogStarted(ILogger logger, string run, int epoch, string model, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {Run}: validation failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string run);
}
