using System.CommandLine;

namespace U2PL.Client.Cluster;

/// <summary>Wires a cluster command: its connection options, then a body that runs with a connected client.</summary>
public static class ClusterActions
{
    /// <summary>The command's argument holding a run id.</summary>
    public static Argument<string> RunArgument() => new("run") { Description = "The run id (as printed by u2pl run start; see u2pl run list)" };

    /// <summary>
    /// Adds the cluster options to <paramref name="command"/> and sets its action: connect (bounded, one clear error when
    /// unreachable), run <paramref name="body"/>, close. <paramref name="prepare"/> runs before connecting (local checks
    /// that must fail before anything reaches the cluster).
    /// </summary>
    public static void Set<TPrepared>(Command command, Func<ParseResult, TPrepared> prepare,
        Func<ParseResult, TPrepared, ClusterConnection, CancellationToken, Task<int>> body, Argument<string>? run = null)
    {
        var cluster = new ClusterConnectionOptions();
        cluster.AddTo(command);
        command.SetAction(parse => ClusterCommandRunner.Run(async cancellationToken =>
        {
            var prepared = prepare(parse);
            var endpoint = cluster.Resolve(parse);
            await using var connection = await ClusterConnection.ConnectAsync(endpoint, cancellationToken);
            return await body(parse, prepared, connection, cancellationToken);
        }, run is null ? null : parse.GetValue(run)));
    }

    /// <summary><see cref="Set{TPrepared}"/> without a local preparation step.</summary>
    public static void Set(Command command, Func<ParseResult, ClusterConnection, CancellationToken, Task<int>> body, Argument<string>? run = null) =>
        Set(command, _ => 0, (parse, _, connection, cancellationToken) => body(parse, connection, cancellationToken), run);
}
