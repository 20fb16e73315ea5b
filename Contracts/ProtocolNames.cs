using System.Text.Json;

namespace U2PL.Contracts;

/// <summary>The names the console, the JSON output, the metrics and the logs show for the protocol's enums: snake_case, as the JSON writes them.</summary>
public static class ProtocolNames
{
    public static string Name(this RunEventKind kind) => JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());

    public static string Name(this WorkerState state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());
}
