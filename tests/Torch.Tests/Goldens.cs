using System.Text.Json;

namespace U2PL.Torch.Tests;

/// <summary>Reads goldens/ops.json (made by goldens/make_op_goldens.py with Debian's python3-torch).</summary>
internal sealed class Goldens
{
    private static readonly Lazy<JsonElement> s_cases = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "goldens", "ops.json"))).RootElement.GetProperty("cases"));

    private readonly JsonElement _case;

    private Goldens(JsonElement element) => _case = element;

    public static Goldens Case(string name) => new(s_cases.Value.GetProperty(name));

    public long Int(string name) => _case.GetProperty(name).GetInt64();

    public double Double(string name) => _case.GetProperty(name).GetDouble();

    public long[] Shape(string name) => _case.GetProperty(name).GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    /// <summary>The golden tensor, rebuilt with its shape and dtype.</summary>
    public Tensor Tensor(string name)
    {
        var entry = _case.GetProperty(name);
        var shape = Shape(name);
        var values = entry.GetProperty("data").EnumerateArray();
        return entry.GetProperty("dtype").GetString() switch
        {
            "float32" => torch.tensor(values.Select(e => (float)e.GetDouble()).ToArray(), shape),
            "int64" => torch.tensor(values.Select(e => e.GetInt64()).ToArray(), shape),
            var other => throw new NotSupportedException(other),
        };
    }
}
