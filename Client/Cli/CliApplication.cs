using System.CommandLine;
using U2PL.Client.Commands;

namespace U2PL.Client.Cli;

/// <summary>The <c>u2pl</c> command tree.</summary>
public static class CliApplication
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("u2pl: semi-supervised semantic segmentation (U2PL) on an elastic cluster");
        root.Add(ModelCommands.Create());
        root.Add(WeightsCommands.Create());
        root.Add(TrainCommand.Create());
        root.Add(EvalCommand.Create());
        root.Add(PredictCommand.Create());
        root.Add(BenchCommands.Create());
        root.Add(RunCommands.Create());
        root.Add(ClusterCommands.Create());
        root.Add(DemoCommand.Create());
        return root;
    }
}
