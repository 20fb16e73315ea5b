using TorchSharp;
using static TorchSharp.torch;
using System.Diagnostics;
using System.Text.Json;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

/// <summary>Our writer's files, read by an independent Python transcription of the spec (fixtures/check_safetensors.py).</summary>
public class SafeTensorsInteropTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void Python_reads_our_file_with_exact_values()
    {
        SkipUnlessPythonHasTorch();
        using var dir = new TempDirectory();
        var path = dir.File("from_csharp.safetensors");
        var samples = SampleTensors.AllDTypes();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["source"] = "U2PL.Torch" };
        SafeTensorsWriter.Write(path, samples.Select(SampleTensors.ToSource).ToList(), metadata);
        var expectedPath = dir.File("expected.json");
        File.WriteAllText(expectedPath, JsonSerializer.Serialize(new
        {
            tensors = samples.ToDictionary(s => s.Name, s => new { dtype = s.DType.ToString(), shape = s.Shape, values = s.Values }),
            metadata,
        }));

        var (exitCode, output) = Run(Fixtures.PathOf("check_safetensors.py"), path, expectedPath);

        Assert.True(exitCode == 0, $"check_safetensors.py exited {exitCode}:\n{output}");
        Assert.Contains($"{samples.Count} tensors match", output);
    }

    [Fact]
    public void Python_rejects_a_file_whose_values_differ()
    {
        SkipUnlessPythonHasTorch();
        using var dir = new TempDirectory();
        var path = dir.File("wrong.safetensors");
        SafeTensorsWriter.Write(path, [TensorSource.FromBytes("w", ScalarType.Byte, [1], new byte[] { 7 })]);
        var expectedPath = dir.File("expected.json");
        File.WriteAllText(expectedPath, """{"tensors": {"w": {"dtype": "Byte", "shape": [1], "values": [8]}}}""");

        var (exitCode, output) = Run(Fixtures.PathOf("check_safetensors.py"), path, expectedPath);

        Assert.True(exitCode == 1, $"expected exit 1, got {exitCode}:\n{output}");
    }

    private static void SkipUnlessPythonHasTorch()
    {
        if (!File.Exists(Python))
            Assert.Skip($"{Python} is not installed (the interop check needs Debian's python3 with python3-torch)");
        var (exitCode, output) = Run("-c", "import torch");
        if (exitCode != 0)
            Assert.Skip($"{Python} cannot import torch (install python3-torch): {output.Trim()}");
    }

    private static (int ExitCode, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException($"{Python} {string.Join(' ', args)} did not finish in 2 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
