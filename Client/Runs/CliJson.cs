using System.Text.Json;
using System.Text.Json.Serialization;

namespace U2PL.Client.Runs;

/// <summary>The JSON the cluster commands print with <c>--json</c>: snake_case names, enums as strings, one object per line.</summary>
public static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = new SnakeCase(),
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static void WriteLine<T>(T value) => Console.Out.WriteLine(Serialize(value));

    /// <summary>snake_case that keeps IoU one word (<c>last_mean_iou</c>, not <c>last_mean_io_u</c>).</summary>
    private sealed class SnakeCase : JsonNamingPolicy
    {
        public override string ConvertName(string name) => SnakeCaseLower.ConvertName(name.Replace("IoU", "Iou", StringComparison.Ordinal));
    }
}
