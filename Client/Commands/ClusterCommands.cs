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
            var snapshot = await ClusterReads.ReadAsync(() => connection.Grains.GetGrain<IClusterGrain>(IClusterGrain.Key).Describe(), cancellationToken);
            if (parse.GetValue(json))
            {
                CliJson.WriteLine(snapshot);
                return 0;
            }
            Write(snapshot, null);
            return 0;
        });
        return command;
    }

    private static void Write(ClusterSnapshot snapshot, string? gateway)
    {
        var now = DateTimeOffset.UtcNow;
        var silos = new Table().Border(TableBorder.Simple)
            .Title($"membership version {snapshot.MembershipVersion}, GPU slots {snapshot.GpuSlotsUsed}/{snapshot.GpuSlots} in use" + (gateway is null ? "" : $", via silo {RunStatusView.SiloName(gateway)}"));
        foreach (var column in new[] { "silo", "roles", "gpu slots", "status", "heartbeat", "up", "gateway", "grains" }) silos.AddColumn(column);
        foreach (var silo in snapshot.Silos.OrderBy(s => s.Address, StringComparer.Ordinal))
        {
            var grains = snapshot.GrainsBySilo.GetValueOrDefault(silo.Address)?.Count ?? 0;
            silos.AddRow(Markup.Escape(RunStatusView.SiloName(silo.Address)), Markup.Escape(string.Join(",", silo.Roles)), silo.GpuSlots.ToString(CultureInfo.InvariantCulture),
                StatusMarkup(silo.Status), Age(now, silo.LastHeartbeat), silo.Started == default ? "-" : RunStatusView.Duration((now - silo.Started).TotalSeconds),
                silo.GatewayPort > 0 ? silo.GatewayPort.ToString(CultureInfo.InvariantCulture) : "-", grains.ToString(CultureInfo.InvariantCulture));
        }
        CliConsole.Out.Write(silos);
        foreach (var (silo, grains) in snapshot.GrainsBySilo.OrderBy(p => p.Key, StringComparer.Ordinal).Where(p => p.Value.Count > 0))
        {
            foreach (var (run, parts) in ByRun(grains))
            {
                CliConsole.Out.MarkupLine($"[bold]{Markup.Escape(RunStatusView.SiloName(silo))}[/] {Markup.Escape(run)}: {Markup.Escape(parts)}");
            }
        }
    }

    /// <summary>A run's grains in a few words: "run, 2 shards (0 1), 8 banks (0..7), 2 workers (0 1)".</summary>
    private static IEnumerable<(string Run, string Parts)> ByRun(IEnumerable<string> grains)
    {
        // Keys are "RUN:kind/n" for state grains and "RUN/slot" for workers.
        var parsed = grains.Select(key =>
        {
            var colon = key.IndexOf(':');
            if (colon < 0) return (Run: key[..Math.Max(0, key.LastIndexOf('/'))], Kind: "worker", Index: key[(key.LastIndexOf('/') + 1)..]);
            var rest = key[(colon + 1)..];
            var slash = rest.IndexOf('/');
            return (Run: key[..colon], Kind: slash < 0 ? rest : rest[..slash], Index: slash < 0 ? "" : rest[(slash + 1)..]);
        });
        foreach (var run in parsed.GroupBy(p => p.Run).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var parts = run.GroupBy(p => p.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(kind =>
            {
                var indices = kind.Select(p => p.Index).Where(i => i.Length > 0).OrderBy(i => i.Length).ThenBy(i => i, StringComparer.Ordinal).ToList();
                return indices.Count == 0 ? kind.Key : $"{indices.Count} {kind.Key}{(indices.Count == 1 ? "" : "s")} ({string.Join(' ', indices)})";
            });
            yield return (run.Key, string.Join(", ", parts));
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
