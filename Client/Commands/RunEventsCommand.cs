using System.CommandLine;
using U2PL.Client.Cluster;
using U2PL.Client.Runs;
using U2PL.Contracts;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl run events RUN [--follow] [--json]</c>: the run's event log (who joined, left, failed, when).</summary>
public static class RunEventsCommand
{
    public static Command Create()
    {
        var run = ClusterActions.RunArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events until the run ends" };
        var json = new Option<bool>("--json") { Description = "One JSON object per event" };
        var command = new Command("events", "Print a run's event log: started, joined, left, failed, scaled, checkpoints, evaluations") { run, follow, json };
        ClusterActions.Set(command, async (parse, connection, cancellationToken) =>
        {
            var runId = parse.GetValue(run)!;
            var asJson = parse.GetValue(json);
            Task Print(RunEvent e)
            {
                Console.Out.WriteLine(asJson ? CliJson.Serialize(e) : RunStatusView.EventLine(e));
                return Task.CompletedTask;
            }
            if (!parse.GetValue(follow))
            {
                foreach (var e in (await ClusterReads.ReadAsync(() => connection.Grains.GetGrain<ITrainingRunGrain>(runId).GetEvents(0), cancellationToken)).OrderBy(e => e.Sequence))
                {
                    await Print(e);
                }
                return 0;
            }
            var final = await new RunWatcher(connection.Grains, runId) { ReplayEvents = true }.WatchAsync(_ => Task.CompletedTask, Print, cancellationToken);
            return RunStatusCommand.Outcome(final);
        }, run);
        return command;
    }
}
