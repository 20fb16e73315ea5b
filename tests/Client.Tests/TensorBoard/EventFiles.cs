using System.Diagnostics;
using System.Text.Json;

namespace U2PL.Client.Tests.TensorBoard;

/// <summary>
/// What event files hold, as read by <c>read_events.py</c>: a reader independent of the writer (Debian's
/// python3-protobuf, TFRecord framing and CRCs checked by hand), so that a bug shared by TorchSharp's writer and a C#
/// reader cannot hide.
/// </summary>
internal sealed record EventFiles(int Records, string[] FileVersions, Dictionary<string, List<(long Step, double Value)>> Scalars,
    Dictionary<string, List<EventFiles.Image>> Images)
{
    public sealed record Image(long Step, int Width, int Height, int PngWidth, int PngHeight, int Bytes);

    private static string Script => Path.Combine(U2plProcess.RepositoryRoot, "tests", "Client.Tests", "TensorBoard", "read_events.py");

    // Debian's interpreter: python3-protobuf is installed for it (a pyenv or venv python3 earlier on PATH may lack it).
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Runs the reader on <paramref name="files"/>: its exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] files)
    {
        var start = new ProcessStartInfo(Python, [Script, .. files]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Python}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    public static EventFiles Read(params string[] files)
    {
        var (exitCode, output, error) = Run(files);
        Assert.True(exitCode == 0, $"read_events.py failed ({exitCode}): {error}");
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        var scalars = root.GetProperty("scalars").EnumerateObject().ToDictionary(tag => tag.Name,
            tag => tag.Value.EnumerateArray().Select(point => (point[0].GetInt64(), Number(point[1]))).ToList());
        var images = root.GetProperty("images").EnumerateObject().ToDictionary(tag => tag.Name,
            tag => tag.Value.EnumerateArray().Select(i => new Image(i[0].GetInt64(), i[1].GetInt32(), i[2].GetInt32(), i[3].GetInt32(), i[4].GetInt32(), i[5].GetInt32())).ToList());
        return new EventFiles(root.GetProperty("records").GetInt32(), [.. root.GetProperty("file_versions").EnumerateArray().Select(v => v.GetString()!)], scalars, images);
    }

    private static double Number(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? value.GetString() switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, _ => double.NaN }
        : value.GetDouble();

    /// <summary>The value of <paramref name="tag"/> at <paramref name="step"/>, which must have been written exactly once.</summary>
    public double Scalar(string tag, long step)
    {
        Assert.True(Scalars.TryGetValue(tag, out var points), $"no tag {tag}; tags: {string.Join(", ", Scalars.Keys)}");
        var at = points.Where(p => p.Step == step).ToList();
        Assert.True(at.Count == 1, $"{tag}: {at.Count} values at step {step}");
        return at[0].Value;
    }
}
