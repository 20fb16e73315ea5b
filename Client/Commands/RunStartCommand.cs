using System.CommandLine;
using U2PL.Client.Cluster;
using U2PL.Client.Runs;
using U2PL.Contracts;
using U2PL.Segmentation.Training;

namespace U2PL.Client.Commands;

/// <summary>
/// <c>u2pl run start</c>: validates the config here (every problem at once, nothing sent), then starts a run on the
/// cluster under a new id and prints only that id on stdout, so that scripts can capture it.
/// </summary>
public static class RunStartCommand
{
    public static Command Create(DatasetTypes datasetTypes)
    {
        var config = new Option<FileInfo>("--config") { Description = "The training config (YAML; see configs/)", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a config key: --set trainer.epochs=10 (repeatable)" };
        var workers = WorkerTargets.Option("1");
        var resume = new Option<string?>("--resume") { Description = "Continue from a checkpoint (a .safetensors file or a run directory, as the silos see it)" };
        var command = new Command("start", "Start a training run on the cluster and print its id") { config, set, workers, resume };
        ClusterActions.Set(command,
            parse =>
            {
                var path = parse.GetValue(config)!.FullName;
                var resolved = RunConfigResolver.Resolve(path, parse.GetValue(set) ?? [], datasetTypes);
                var resumeFrom = parse.GetValue(resume) is { Length: > 0 } r ? (File.Exists(r) || Directory.Exists(r) ? Path.GetFullPath(r) : r) : "";
                return new RunSpec { ConfigText = resolved.Text, ConfigSource = path, Workers = WorkerTargets.Parse(parse.GetValue(workers)!), ResumeFrom = resumeFrom };
            },
            async (_, spec, connection, cancellationToken) =>
            {
                var runId = RunIds.New();
                var status = await connection.Grains.GetGrain<ITrainingRunGrain>(runId).Start(spec).WaitAsync(cancellationToken);
                // Details first, the id last: `... | tail -1` (a Job's log) is the id.
                Console.Error.WriteLine($"started {runId} ({spec.ConfigSource}, workers {spec.Workers}{(spec.ResumeFrom.Length > 0 ? $", resumed from {spec.ResumeFrom}" : "")}): " +
                                        $"{RunStatusView.StateName(status.State)}, {status.TotalIterations} iterations" +
                                        (status.OutputDirectory.Length > 0 ? $", output {status.OutputDirectory}" : ""));
                Console.Error.WriteLine($"follow it with: u2pl run status {runId} --watch");
                Console.Error.Flush();
                Console.Out.WriteLine(runId);
                return 0;
            });
        return command;
    }
}
