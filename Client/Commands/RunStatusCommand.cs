using System.CommandLine;
using Spectre.Console;
using U2PL.Client.Cluster;
using U2PL.Client.Runs;
using U2PL.Contracts;

namespace U2PL.Client.Commands;

/// <summary>
/// <c>u2pl run status RUN [--watch] [--json]</c>: the run's status once, or followed until the run ends — a live
/// Spectre.Console view in a terminal, one line per update (and per event) when stdout is not a terminal, JSON lines
/// with <c>--json</c>.
/// </summary>
public static class RunStatusCommand
{
    public static Command Create()
    {
        var run = ClusterActions.RunArgument();
        var watch = new Option<bool>("--watch") { Description = "Follow the run until it ends (live view in a terminal, a line per update otherwise)" };
        var json = new Option<bool>("--json") { Description = "Print the status as one JSON object (with --watch: one per update)" };
        var command = new Command("status", "Show a run: state, progress, losses, workers, memory banks, mIoU, recent events") { run, watch, json };
        ClusterActions.Set(command, async (parse, connection, cancellationToken) =>
        {
            var runId = parse.GetValue(run)!;
            var asJson = parse.GetValue(json);
            if (!parse.GetValue(watch))
            {
                var status = await ClusterReads.ReadAsync(() => connection.Grains.GetGrain<ITrainingRunGrain>(runId).GetStatus(), cancellationToken);
                if (asJson) CliJson.WriteLine(status);
                else CliConsole.Out.Write(RunStatusView.Render(status));
                return 0;
            }
            var watcher = new RunWatcher(connection.Grains, runId);
            RunStatus final;
            if (asJson)
            {
                final = await watcher.WatchAsync(s => Write(CliJson.Serialize(s)), _ => Task.CompletedTask, cancellationToken);
            }
            else if (Console.IsOutputRedirected)
            {
                final = await watcher.WatchAsync(s => Write(RunStatusView.Line(s)), e => Write(RunStatusView.EventLine(e)), cancellationToken);
            }
            else
            {
                final = await WatchLiveAsync(watcher, cancellationToken);
            }
            return Outcome(final);
        }, run);
        return command;
    }

    /// <summary>Exit 0 when the run completed or was stopped, 1 (with its message) when it failed.</summary>
    public static int Outcome(RunStatus status)
    {
        if (status.State != RunState.Failed) return 0;
        Console.Error.WriteLine($"error: run {status.RunId} failed: {status.Message}");
        return 1;
    }

    private static async Task<RunStatus> WatchLiveAsync(RunWatcher watcher, CancellationToken cancellationToken)
    {
        RunStatus? final = null;
        await AnsiConsole.Live(new Text("connecting...")).AutoClear(false).StartAsync(async context =>
        {
            final = await watcher.WatchAsync(status =>
            {
                context.UpdateTarget(RunStatusView.Render(status));
                context.Refresh();
                return Task.CompletedTask;
            }, _ => Task.CompletedTask, cancellationToken);
        });
        return final!;
    }

    private static Task Write(string line)
    {
        Console.Out.WriteLine(line);
        return Task.CompletedTask;
    }
}
