using System.Reflection;
using U2PL.Client.Cluster;
using U2PL.Client.Runs;
using U2PL.Contracts;
using Orleans.Runtime;
using U2PL.Segmentation.Training;

namespace U2PL.Client.Demo;

/// <summary>What <c>u2pl demo</c> was asked for, and the dataset types its predictions at the end open the validation set with.</summary>
public sealed record DemoSettings(
    string OutputDirectory, string ConfigPath, IReadOnlyList<string> Overrides, int Workers, bool Scale, int Images, DatasetTypes DatasetTypes);

/// <summary>
/// <c>u2pl demo</c>: a silo in this process, a U2PL run on it through the same client path as <c>u2pl run</c>, one
/// worker added and removed mid-run, then the final mIoU and prediction PNGs. Ctrl-C stops the run with a checkpoint.
/// </summary>
public static class DemoRunner
{
    public static async Task<int> RunAsync(DemoSettings settings, CancellationToken cancellationToken)
    {
        var output = Path.GetFullPath(settings.OutputDirectory);
        var resolved = RunConfigResolver.Resolve(settings.ConfigPath, [$"saver.snapshot_dir='{output.Replace("'", "''", StringComparison.Ordinal)}'", .. settings.Overrides], settings.DatasetTypes);
        var schedule = new ElasticSchedule(settings.Workers, settings.Scale);
        var console = new DemoConsole();
        var slots = settings.Workers + (settings.Scale ? 1 : 0);
        console.Note($"u2pl demo: U2PL on {resolved.Options.Data.Type} data with {schedule.Describe()}; output in {output}");
        console.Note($"starting a silo in this process (role all, {slots} GPU slots, localhost clustering)...");
        await using var silo = await InProcessSilo.StartAsync(slots, cancellationToken);
        await using var connection = await ClusterConnection.ConnectAsync(
            new ClusterEndpoint { Gateways = [silo.Gateway], ClusterId = InProcessSilo.ClusterId }, cancellationToken);

        var runId = RunIds.New();
        var run = connection.Grains.GetGrain<ITrainingRunGrain>(runId);
        var started = await run.Start(new RunSpec
        {
            ConfigText = resolved.Text, ConfigSource = settings.ConfigPath, Workers = new WorkerTarget { Count = settings.Workers },
        }).WaitAsync(cancellationToken);
        console.Say($"run {runId}: {started.TotalIterations} iterations over {started.Epochs} epochs, {settings.Workers} workers (silo gateway {silo.Gateway})");
        console.Say($"run page: {silo.RunPage(runId)} (served until the demo ends)");

        RunStatus final;
        try
        {
            final = await new RunWatcher(connection.Grains, runId) { ReplayEvents = true, PollPeriod = TimeSpan.FromSeconds(1) }.WatchAsync(
                async status =>
                {
                    console.Progress(status);
                    if (schedule.Next(status) is { } workers) await ScaleAsync(run, workers, status, console);
                },
                runEvent =>
                {
                    console.Event(runEvent);
                    return Task.CompletedTask;
                },
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.Note("interrupted: stopping the run (it writes a checkpoint first)...");
            await StopAsync(run, console);
            return ClusterCommandRunner.Interrupted;
        }
        return Finish(final, resolved, output, settings, console);
    }

    private static int Finish(RunStatus final, RunConfigResolver.Resolved resolved, string output, DemoSettings settings, DemoConsole console)
    {
        if (final.State == RunState.Failed)
        {
            console.Note($"error: run {final.RunId} failed: {final.Message}");
            return 1;
        }
        console.Say($"{RunStatusView.StateName(final.State)}: {final.Iteration}/{final.TotalIterations} iterations in {RunStatusView.Duration(final.SecondsElapsed)}; " +
                    $"final val mIoU {RunStatusView.Percent(final.LastMeanIoU)} (best {RunStatusView.Percent(final.BestMeanIoU)})");
        var checkpoint = Checkpoint(final);
        console.Say($"checkpoint {checkpoint}");
        if (settings.Images <= 0 || checkpoint.Length == 0) return 0;
        var directory = Path.Combine(output, "predictions");
        foreach (var file in DemoPredictions.Write(checkpoint, resolved.Options.Data, settings.DatasetTypes, directory, settings.Images))
        {
            console.Say($"wrote {file}");
        }
        return 0;
    }

    private static async Task ScaleAsync(ITrainingRunGrain run, int workers, RunStatus status, DemoConsole console)
    {
        console.Say($"scaling to {workers} workers at step {status.Iteration}/{status.TotalIterations} (the others keep training)");
        try
        {
            await run.Scale(new WorkerTarget { Count = workers });
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            console.Note($"warning: scaling to {workers} workers failed: {e.Message}");
        }
    }

    /// <summary>Stops the run after Ctrl-C; if it does not confirm in time, says what the last checkpoint is and gives up.</summary>
    private static async Task StopAsync(ITrainingRunGrain run, DemoConsole console)
    {
        try
        {
            var stopped = await run.Stop().WaitAsync(StopWait);
            console.Say($"stopped at step {stopped.Iteration}/{stopped.TotalIterations}; checkpoint {Checkpoint(stopped)}");
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            var last = await run.GetStatus().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully ? Checkpoint(t.Result) : "", TaskScheduler.Default);
            console.Note($"warning: the run did not confirm the stop within {StopWait.TotalSeconds:0} s ({e.Message}); " +
                         (last.Length > 0 ? $"last checkpoint {last}" : "no checkpoint known"));
        }
    }

    private static readonly TimeSpan StopWait = TimeSpan.FromMinutes(2);

    private static string Checkpoint(RunStatus status) => status.LastCheckpoint.Length > 0 ? status.LastCheckpoint : status.OutputDirectory;
}
