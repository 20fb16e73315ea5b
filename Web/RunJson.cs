using System.Text.Json;
using System.Text.Json.Serialization;

namespace U2PL.Web;

/// <summary>
/// The JSON of runs, shared by <c>u2pl ... --json</c> and the run page's endpoints: snake_case names, enums as strings.
/// </summary>
public static class RunJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = new SnakeCase(),
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>snake_case that keeps IoU one word (<c>last_mean_iou</c>, not <c>last_mean_io_u</c>).</summary>
    private sealed class SnakeCase : JsonNamingPolicy
    {
        public override string ConvertName(string name) => SnakeCaseLower.ConvertName(name.Replace("IoU", "Iou", StringComparison.Ordinal));
    }
}
