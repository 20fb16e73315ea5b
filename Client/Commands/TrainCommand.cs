using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using U2PL.Checkpoints;
using U2PL.Checkpoints.Catalog;
using U2PL.Client.Cli;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.TensorBoard;
using U2PL.Segmentation.Training;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl train</c>: single-process U2PL training from a YAML config.</summary>
public static class TrainCommand
{
    public static Command Create(DatasetTypes datasetTypes)
    {
        var config = new Option<FileInfo>("--config") { Description = "The training config (YAML; see configs/)", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a config key: --set trainer.epochs=10 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue from a checkpoint: a .safetensors file, a run directory, or a checkpoint store URI (file:///path, azure://account/container/prefix)",
        };
        var json = new Option<bool>("--json") { Description = "One JSON object per line (steps, evaluations, checkpoints, summary)" };
        var command = new Command("train", "Train U2PL in this process (Ctrl-C saves a checkpoint and stops)") { config, set, resume, json };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = TrainingConfigReader.Read(parse.GetValue(config)!.FullName, parse.GetValue(set) ?? []);
            // The trainer checks too; here a missing GPU fails before the store is leased or a checkpoint downloaded.
            TrainingDevice.Resolve(options.Device);
            var asJson = parse.GetValue(json);
            using var store = options.CheckpointStore is { } uri ? CheckpointStores.Open(uri) : null;
            using var resumeFrom = ResumeSource.Resolve(parse.GetValue(resume), asJson);
            using var cancellation = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                cancellation.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                ITrainingObserver output = asJson ? new JsonLinesObserver() : new ConsoleObserver();
                using var tensorBoard = TensorBoardObserver.Create(options, warning => output.OnMessage("warning: " + warning));
                var observer = tensorBoard is null ? output : new FanOutObserver(output, tensorBoard);
                if (tensorBoard is not null) output.OnMessage($"TensorBoard logs in {tensorBoard.Directory} (tensorboard --logdir {tensorBoard.Directory})");
                using var publishing = store is null ? null : PublishingObserver.Start(observer, store, options.CheckpointKeepLast, asJson);
                var summary = new U2plTrainer(options, datasetTypes, publishing ?? observer).Run(resumeFrom.Path, cancellation.Token);
                publishing?.Complete();
                if (asJson)
                {
                    JsonLinesObserver.Write("summary", summary);
                }
                else
                {
                    AnsiConsole.MarkupLine(summary.Interrupted
                        ? $"[yellow]interrupted[/] at iteration {summary.Iterations}; checkpoint {Markup.Escape(summary.Checkpoint ?? "")}"
                        : $"[green]done[/]: {summary.Iterations} iterations in {summary.Elapsed:hh\\:mm\\:ss}, best val mIoU {summary.BestMeanIoU * 100:F2}; checkpoint {Markup.Escape(summary.Checkpoint ?? "")}");
                }
                return summary.Interrupted ? 130 : 0;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }));
        return command;
    }

    /// <summary>
    /// <c>--resume</c>: a local path as given, or a store URI whose latest checkpoint is downloaded (verified) to a
    /// temporary directory for the run and deleted afterwards.
    /// </summary>
    private sealed class ResumeSource : IDisposable
    {
        private readonly string? _temporary;

        private ResumeSource(string? path, string? temporary)
        {
            Path = path;
            _temporary = temporary;
        }

        public string? Path { get; }

        public static ResumeSource Resolve(string? resume, bool asJson)
        {
            if (resume is null || !CheckpointStores.IsUri(resume))
            {
                return new ResumeSource(resume, null);
            }
            using var source = CheckpointStores.Open(resume);
            var directory = Directory.CreateTempSubdirectory("u2pl-resume-").FullName;
            try
            {
                var latest = new CheckpointCatalog(source).DownloadLatestAsync(directory).GetAwaiter().GetResult();
                Report(asJson, $"downloaded checkpoint {latest.Name} from {resume}");
                return new ResumeSource(directory, directory);
            }
            catch
            {
                Directory.Delete(directory, recursive: true);
                throw;
            }
        }

        public void Dispose()
        {
            if (_temporary is not null && Directory.Exists(_temporary))
            {
                Directory.Delete(_temporary, recursive: true);
            }
        }
    }

    /// <summary>
    /// Passes everything on, and publishes each checkpoint the trainer saves to the store (in the background, the
    /// store's retention applied after each): the trainer itself knows nothing of stores.
    /// </summary>
    private sealed class PublishingObserver(ITrainingObserver inner, CheckpointPublisher publisher) : ITrainingObserver, IDisposable
    {
        private DateTime _lastStamp;

        public static PublishingObserver Start(ITrainingObserver inner, ICheckpointStore store, int keepLast, bool asJson)
        {
            var retention = new RetentionPolicy { KeepLast = keepLast };
            var publisher = CheckpointPublisher.StartAsync(new CheckpointCatalog(store), retention, published =>
            {
                if (asJson)
                {
                    JsonLinesObserver.Write("published", new { name = published.Latest.Name, store = store.Location, deleted = published.Deleted });
                }
                else
                {
                    Console.Error.WriteLine($"published {published.Latest.Name} to {store.Location}" +
                                            (published.Deleted.Count > 0 ? $" (retention deleted {string.Join(", ", published.Deleted)})" : ""));
                }
            }).GetAwaiter().GetResult();
            return new PublishingObserver(inner, publisher);
        }

        public void OnStep(TrainingProgress progress) => inner.OnStep(progress);

        public void OnEvaluation(int epoch, string model, EvaluationResult result) => inner.OnEvaluation(epoch, model, result);

        public void OnEvaluated(long iteration, EvaluationResult result, DeepLabV3Plus model, ISegmentationDataset validation) =>
            inner.OnEvaluated(iteration, result, model, validation);

        public void OnMessage(string message) => inner.OnMessage(message);

        public void OnCheckpoint(string path, long iteration)
        {
            inner.OnCheckpoint(path, iteration);
            publisher.Publish(Name(iteration), [(".safetensors", path), (".json", System.IO.Path.ChangeExtension(path, ".json"))]);
        }

        /// <summary>Waits for the last upload; throws what stopped publishing (e.g. another writer took the store over).</summary>
        public void Complete() => publisher.CompleteAsync().GetAwaiter().GetResult();

        public void Dispose() => publisher.DisposeAsync().AsTask().GetAwaiter().GetResult();

        // Store names sort in publication order (retention keeps the last ones): a UTC time stamp, strictly increasing.
        private string Name(long iteration)
        {
            var now = DateTime.UtcNow;
            now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
            _lastStamp = now > _lastStamp ? now : _lastStamp.AddMilliseconds(1);
            return $"{_lastStamp:yyyyMMdd'T'HHmmssfff'Z'}-it{iteration:D8}";
        }
    }

    private static void Report(bool asJson, string message)
    {
        if (asJson)
        {
            JsonLinesObserver.Write("message", message);
        }
        else
        {
            Console.Error.WriteLine(message);
        }
    }

    /// <summary>JSON lines on stdout, for scripts.</summary>
    private sealed class JsonLinesObserver : ITrainingObserver
    {
        public static void Write(string type, object value) =>
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["type"] = type, [type] = value }));

        public void OnStep(TrainingProgress progress) => Write("step", new
        {
            iteration = progress.Iteration, total = progress.TotalIterations, epoch = progress.Epoch, warmup = progress.Warmup,
            ls = progress.Metrics.SupervisedLoss, lu = progress.Metrics.UnsupervisedLoss, lc = progress.Metrics.ContrastiveLoss,
            alpha = progress.Metrics.Alpha, lambda_u = progress.Metrics.LambdaU, gamma_t = Finite(progress.Metrics.Gamma),
            reliable = progress.Metrics.ReliableShare, lr = progress.Metrics.LearningRate,
            cutmix = progress.Metrics.CutMixApplied, images_per_s = Math.Round(progress.ImagesPerSecond, 3), eta_s = Math.Round(progress.Eta.TotalSeconds),
        });

        public void OnEvaluation(int epoch, string model, EvaluationResult result) =>
            Write("eval", new { epoch, model, miou = result.MeanIoU, class_iou = result.ClassIoU.Select(v => double.IsNaN(v) ? (double?)null : v), result.Images });

        public void OnCheckpoint(string path, long iteration) => Write("checkpoint", new { path, iteration });

        // JSON has no infinity (γt is +∞ when a step had no valid unlabeled pixel).
        private static double? Finite(double value) => double.IsFinite(value) ? value : null;

        public void OnMessage(string message) => Write("message", message);
    }

    /// <summary>A status line per step on stderr, evaluations and checkpoints on stdout.</summary>
    private sealed class ConsoleObserver : ITrainingObserver
    {
        public void OnStep(TrainingProgress p)
        {
            var m = p.Metrics;
            const int width = 20;
            var filled = (int)(width * p.Iteration / Math.Max(1, p.TotalIterations));
            var bar = "[" + new string('#', filled) + new string('.', width - filled) + "]";
            var line = $"{bar} epoch {p.Epoch + 1}/{p.Epochs} step {p.Iteration}/{p.TotalIterations} {(p.Warmup ? "warm-up " : "")}" +
                       $"Ls {m.SupervisedLoss:F3} Lu {m.UnsupervisedLoss:F3} Lc {m.ContrastiveLoss:F3} αt {m.Alpha:F3} " +
                       $"{p.ImagesPerSecond:F1} img/s ETA {p.Eta:hh\\:mm\\:ss}";
            if (Console.IsErrorRedirected)
            {
                Console.Error.WriteLine(line);
            }
            else
            {
                Console.Error.Write("\r" + line.PadRight(Math.Max(line.Length, Console.WindowWidth - 1))[..Math.Max(1, Console.WindowWidth - 1)]);
            }
        }

        public void OnEvaluation(int epoch, string model, EvaluationResult result)
        {
            Console.Error.WriteLine();
            Console.WriteLine($"epoch {epoch + 1}: val mIoU {result.MeanIoU * 100:F2} ({model}, {result.Images} images)");
        }

        public void OnCheckpoint(string path, long iteration) => Console.Error.WriteLine($"\ncheckpoint {path} (iteration {iteration})");

        public void OnMessage(string message) => Console.Error.WriteLine(message);
    }
}
