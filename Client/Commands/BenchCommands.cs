using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using U2PL.Client.Bench;
using U2PL.Client.Cli;
using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl bench step</c>: the supervised training step's time and memory.</summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var arch = CommonOptions.Arch();
        var outputStride = CommonOptions.OutputStride();
        var batch = CommonOptions.Positive("--batch", "Images per step", 4);
        var size = CommonOptions.Positive("--size", "Square crop size in pixels (at least 32)", 128, min: 32, max: 4096);
        var classes = CommonOptions.Classes();
        var steps = CommonOptions.Positive("--steps", "Timed steps (after 3 warm-up steps)", 20);
        var threads = CommonOptions.Positive("--threads", "libtorch intra-op threads (default: all cores)", Environment.ProcessorCount);
        var warmup = CommonOptions.Positive("--warmup", "Untimed warm-up steps", 3, min: 0);
        var seed = new Option<long>("--seed") { Description = "Seed of weights and inputs", DefaultValueFactory = _ => 0 };
        var json = CommonOptions.Json();

        var step = new Command("step", "Time the supervised training step (forward, upsample, cross-entropy, backward, SGD)")
        {
            arch, outputStride, batch, size, classes, steps, threads, warmup, seed, json,
        };
        step.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new ModelOptions(ResNetArchitectures.Parse(parse.GetValue(arch)!), parse.GetValue(classes), parse.GetValue(outputStride));
            var asJson = parse.GetValue(json);
            var totalSteps = parse.GetValue(steps);
            torch.set_num_threads(parse.GetValue(threads));
            torch.manual_seed(parse.GetValue(seed));
            var benchmark = new SupervisedStepBenchmark(options, parse.GetValue(batch), parse.GetValue(size));
            var result = benchmark.Run(totalSteps, parse.GetValue(warmup), asJson ? null : (done, ms) =>
            {
                if (done % Math.Max(1, totalSteps / 10) == 0 || done == totalSteps)
                {
                    Console.Error.WriteLine($"step {done}/{totalSteps}: {ms:F1} ms");
                }
            });
            var report = Report(options, parse.GetValue(batch), parse.GetValue(size), parse.GetValue(threads), result);
            Print(report, asJson);
            return 0;
        }));
        return new Command("bench", "Benchmarks") { step, U2plStep() };
    }

    /// <summary><c>u2pl bench u2pl-step</c>: the full U2PL step, with the memory bank's and data loading's shares.</summary>
    private static Command U2plStep()
    {
        var arch = CommonOptions.Arch(required: false);
        arch.DefaultValueFactory = _ => "resnet18";
        var outputStride = CommonOptions.OutputStride();
        var batch = CommonOptions.Positive("--batch", "Labeled images per step (as many unlabeled)", 4);
        var size = CommonOptions.Positive("--size", "Square crop size in pixels", 128, min: 32, max: 4096);
        var steps = CommonOptions.Positive("--steps", "Timed steps (after the warm-up steps)", 10);
        var warmup = CommonOptions.Positive("--warmup", "Untimed warm-up steps", 3, min: 0);
        var threads = CommonOptions.Positive("--threads", "libtorch intra-op threads (default: all cores)", Environment.ProcessorCount);
        var json = CommonOptions.Json();
        var command = new Command("u2pl-step", "Time the full U2PL step on synthetic scenes (teachers, student, Lc with memory banks, SGD, EMA)")
        {
            arch, outputStride, batch, size, steps, warmup, threads, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var model = new ModelOptions(ResNetArchitectures.Parse(parse.GetValue(arch)!), 8, parse.GetValue(outputStride));
            var result = new U2plStepBenchmark(model, parse.GetValue(batch), parse.GetValue(size), parse.GetValue(threads),
                parse.GetValue(steps), parse.GetValue(warmup)).Run();
            var sorted = result.StepMilliseconds.Order().ToArray();
            var report = new Dictionary<string, object>
            {
                ["arch"] = model.Architecture.Name(),
                ["output_stride"] = model.OutputStride,
                ["batch"] = parse.GetValue(batch),
                ["size"] = parse.GetValue(size),
                ["threads"] = parse.GetValue(threads),
                ["steps"] = sorted.Length,
                ["median_ms"] = Math.Round(Median(sorted), 2),
                ["memory_bank_share"] = Math.Round(result.MemoryBankShare, 4),
                ["data_wait_share"] = Math.Round(result.DataWaitShare, 4),
                ["negatives_pushed"] = result.Negatives,
                ["peak_rss_mb"] = Math.Round(ProcessMemory.PeakResidentMb(), 1),
            };
            Print(report, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>One JSON object, or a two-column table.</summary>
    private static void Print(Dictionary<string, object> report, bool asJson)
    {
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(report));
            return;
        }
        var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (key, value) in report)
        {
            table.AddRow(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
        AnsiConsole.Write(table);
    }

    private static Dictionary<string, object> Report(ModelOptions options, int batch, int size, int threads, StepBenchmarkResult result)
    {
        var sorted = result.StepMilliseconds.Order().ToArray();
        return new Dictionary<string, object>
        {
            ["arch"] = options.Architecture.Name(),
            ["output_stride"] = options.OutputStride,
            ["batch"] = batch,
            ["size"] = size,
            ["classes"] = options.NumClasses,
            ["threads"] = threads,
            ["steps"] = sorted.Length,
            ["median_ms"] = Math.Round(Median(sorted), 2),
            ["min_ms"] = Math.Round(sorted[0], 2),
            ["max_ms"] = Math.Round(sorted[^1], 2),
            ["total_params"] = result.TotalParameters,
            ["peak_rss_mb"] = Math.Round(result.PeakResidentMb, 1),
            ["rss_after_warmup_mb"] = Math.Round(result.ResidentAfterWarmupMb, 1),
            ["rss_end_mb"] = Math.Round(result.ResidentEndMb, 1),
            ["rss_growth_mb_per_100_steps"] = Math.Round(result.ResidentGrowthMbPer100Steps, 2),
            ["live_tensors_after_warmup"] = result.LiveTensorsAfterWarmup,
            ["live_tensors_end"] = result.LiveTensorsEnd,
            ["final_loss"] = Math.Round(result.FinalLoss, 5),
            ["libtorch"] = torch.__version__,
        };
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
