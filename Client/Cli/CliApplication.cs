using System.CommandLine;
using U2PL.Client.Commands;
using U2PL.Segmentation.Training;
using U2PL.Synthetic;

namespace U2PL.Client.Cli;

/// <summary>The <c>u2pl</c> command tree.</summary>
public static class CliApplication
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        // The dataset types train, eval and the demo open, and run start checks: the file types and the synthetic scenes.
        var datasetTypes = DatasetTypes.Files.WithSyntheticScenes();
        var root = new RootCommand("u2pl: semi-supervised semantic segmentation (U2PL) on an elastic cluster");
        root.Add(ModelCommands.Create());
        root.Add(WeightsCommands.Create());
        root.Add(TrainCommand.Create(datasetTypes));
        root.Add(EvalCommand.Create(datasetTypes));
        root.Add(PredictCommand.Create());
        root.Add(BenchCommands.Create());
        root.Add(RunCommands.Create(datasetTypes));
        root.Add(ClusterCommands.Create());
        root.Add(DemoCommand.Create(datasetTypes));
        return root;
    }
}
