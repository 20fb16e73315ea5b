using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using U2PL.Client.Cluster;
using U2PL.Client.Runs;
using U2PL.Contracts;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl cluster status</c>: the silos, their roles, GPU slots, health and the run grains each hosts.</summary>
public static class ClusterCommands
{
    public static Command Create()
    {
        var command = new Command("cluster", "The cluster itself");
        command.Add(Status());
        return command;
    }

    private static Command Status()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables" };
        var command = new Command("status", "Silos (roles, GPU slots, status, heartbeat), slots in use and the grains per silo") { json };
        ClusterActions.Set(command, async (parse, connection, cancellationToken) =>
        {
            var snapshot = await connection.Grains.GetGrain<IClusterGrain>(IClusterGrain.Key).Describe().WaitAsync(cancellationToken);
            if (parse.GetValue(json))
            {
                CliJson.WriteLine(snapshot);
                return 0;
            }
            Write(snapshot, connection.Client.CurrentGateway);
            return 0;
        });
        return command;
    }

    private static void Write(ClusterSnapshot snapshot, string? gateway)
    {
        var now = DateTimeOffset.UtcNow;
        var silos = new Table().Border(TableBorder.Simple)
            .Title($"membership version {snapshot.MembershipVersion}, GPU slots {snapshot.GpuSlotsUsed}/{snapshot.GpuSlots} in use" + (gateway is null ? "" : $", via {gateway}"));
        foreach (var column in new[] { "silo", "roles", "gpu slots", "status", "heartbeat", "up", "gateway", "grains" }) silos.AddColumn(column);
        foreach (var silo in snapshot.Silos.OrderBy(s => s.Address, StringComparer.Ordinal))
        {
            var grains = snapshot.GrainsBySilo.GetValueOrDefault(silo.Address)?.Count ?? 0;
            silos.AddRow(Markup.Escape(silo.Address), Markup.Escape(string.Join(",", silo.Roles)), silo.GpuSlots.ToString(CultureInfo.InvariantCulture),
                StatusMarkup(silo.Status), Age(now, silo.LastHeartbeat), silo.Started == default ? "-" : RunStatusView.Duration((now - silo.Started).TotalSeconds),
                silo.GatewayPort > 0 ? silo.GatewayPort.ToString(CultureInfo.InvariantCulture) : "-", grains.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(silos);
        foreach (var (silo, grains) in snapshot.GrainsBySilo.OrderBy(p => p.Key, StringComparer.Ordinal).Where(p => p.Value.Count > 0))
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(silo)}[/]: {Markup.Escape(string.Join(", ", grains.Order(StringComparer.Ordinal)))}");
        }
    }

    private static string StatusMarkup(string status) => status.ToLowerInvariant() switch
    {
        "active" => "[green]active[/]",
        "dead" => "[red]dead[/]",
        var other => $"[yellow]{Markup.Escape(other)}[/]",
    };

    private static string Age(DateTimeOffset now, DateTimeOffset time) =>
        time == default ? "-" : $"{Math.Max(0, (now - time).TotalSeconds):F1} s ago";
}
