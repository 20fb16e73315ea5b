using System.Text.Json;

using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Tests.Shared;

/// <summary>Reads a goldens/*.json file (made by the make_*.py script beside it with Debian's python3-torch).</summary>
internal sealed class Goldens
{
    private static readonly Dictionary<string, JsonElement> s_files = [];

    private readonly JsonElement _case;

    private Goldens(JsonElement element) => _case = element;

    /// <summary>One case of goldens/<paramref name="file"/>.</summary>
    public static Goldens Case(string name, string file = "ops.json")
    {
        lock (s_files)
        {
            if (!s_files.TryGetValue(file, out var cases))
            {
                var path = Path.Combine(AppContext.BaseDirectory, "goldens", file);
                cases = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("cases");
                s_files[file] = cases;
            }
            return new Goldens(cases.GetProperty(name));
        }
    }

    /// <summary>A nested object of this case (an entry of a list, say).</summary>
    public Goldens Item(string name, int index) => new(_case.GetProperty(name)[index]);

    public bool Bool(string name) => _case.GetProperty(name).GetBoolean();

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
            "bool" => torch.tensor(values.Select(e => e.GetInt64() != 0).ToArray(), shape),
            var other => throw new NotSupportedException(other),
        };
    }
}
