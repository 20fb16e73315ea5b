using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using U2PL.Client.Cluster;
using U2PL.Client.Runs;
using U2PL.Contracts;
using U2PL.Segmentation.Training;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl run ...</c>: training runs on the cluster.</summary>
public static class RunCommands
{
    public static Command Create(DatasetTypes datasetTypes)
    {
        var command = new Command("run", "Training runs on the cluster: start, list, status, scale, pause, resume, stop, checkpoint, events");
        command.Add(RunStartCommand.Create(datasetTypes));
        command.Add(List());
        command.Add(RunStatusCommand.Create());
        command.Add(Scale());
        command.Add(Control("pause", "Pause a run (workers finish their step and wait; a checkpoint is written)", run => run.Pause()));
        command.Add(Control("resume", "Resume a paused run", run => run.Resume()));
        command.Add(Control("stop", "Stop a run for good (a checkpoint is written first)", run => run.Stop()));
        command.Add(Checkpoint());
        command.Add(RunEventsCommand.Create());
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table" };
        var command = new Command("list", "List the cluster's runs") { json };
        ClusterActions.Set(command, async (parse, connection, cancellationToken) =>
        {
            var runs = await ClusterReads.ReadAsync(() => connection.Grains.GetGrain<IRunRegistryGrain>(GrainKeys.Registry).List(), cancellationToken);
            if (parse.GetValue(json))
            {
                CliJson.WriteLine(runs);
                return 0;
            }
            if (runs.Length == 0)
            {
                Console.Error.WriteLine("no runs (start one with u2pl run start --config FILE)");
                return 0;
            }
            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in new[] { "run", "state", "step", "val mIoU", "created", "config" }) table.AddColumn(column);
            foreach (var run in runs.OrderBy(r => r.Created))
            {
                table.AddRow(Markup.Escape(run.RunId), RunStatusView.StateName(run.State), $"{run.Iteration}/{run.TotalIterations}", RunStatusView.Percent(run.LastMeanIoU),
                    run.Created.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Markup.Escape(run.ConfigSource));
            }
            CliConsole.Out.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Scale()
    {
        var run = ClusterActions.RunArgument();
        var workers = WorkerTargets.Option(null);
        var command = new Command("scale", "Set a run's workers: a count, or auto (one per free GPU slot); running workers go on") { run, workers };
        ClusterActions.Set(command, async (parse, connection, cancellationToken) =>
        {
            var target = WorkerTargets.Parse(parse.GetValue(workers)!);
            var status = await connection.Grains.GetGrain<ITrainingRunGrain>(parse.GetValue(run)!).Scale(target).WaitAsync(cancellationToken);
            Console.Out.WriteLine($"{status.RunId}: workers {status.Desired}{(status.Desired.Auto ? $" (now {status.DesiredResolved})" : "")}, " +
                                  $"{status.Workers.Count(w => w.State is WorkerState.Training or WorkerState.Starting)} running, {RunStatusView.StateName(status.State)}");
            return 0;
        }, run);
        return command;
    }

    private static Command Control(string name, string description, Func<ITrainingRunGrain, Task<RunStatus>> action)
    {
        var run = ClusterActions.RunArgument();
        var command = new Command(name, description) { run };
        ClusterActions.Set(command, async (parse, connection, cancellationToken) =>
        {
            var status = await action(connection.Grains.GetGrain<ITrainingRunGrain>(parse.GetValue(run)!)).WaitAsync(cancellationToken);
            Console.Out.WriteLine($"{status.RunId}: {RunStatusView.StateName(status.State)} at step {status.Iteration}/{status.TotalIterations}" +
                                  (status.LastCheckpoint.Length > 0 ? $", checkpoint {status.LastCheckpoint}" : ""));
            return 0;
        }, run);
        return command;
    }

    private static Command Checkpoint()
    {
        var run = ClusterActions.RunArgument();
        var command = new Command("checkpoint", "Write a checkpoint of a run now and print its path") { run };
        ClusterActions.Set(command, async (parse, connection, cancellationToken) =>
        {
            Console.Out.WriteLine(await connection.Grains.GetGrain<ITrainingRunGrain>(parse.GetValue(run)!).Checkpoint().WaitAsync(cancellationToken));
            return 0;
        }, run);
        return command;
    }
}
