using System.Diagnostics;
using System.Reflection;

namespace U2PL.Segmentation.Tests;

/// <summary>
/// The packaged ImageNet encoder (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18, copied to artifacts/DnnImageModels by
/// the build) and the goldens goldens/make_onnx_goldens.py computes from it with Debian's python3-onnx and
/// python3-torch, generated once per build output (they derive from a 64 MB graph, so only the script is committed).
/// </summary>
public static class OnnxGoldens
{
    private static readonly Lazy<string> s_file = new(Generate);

    /// <summary>The package's DnnImageModels folder as the build copied it.</summary>
    public static string Models { get; } = typeof(OnnxGoldens).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "ImageNetEncoderModels").Value!;

    public static string Graph => Path.Combine(Models, "ResNet18Onnx", "ResNet18.onnx");

    public static string Preprocess => Path.Combine(Models, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>goldens/generated/onnx_encoder.pth: rgb, graph.layer1..4, channel_mean.layer1..4.</summary>
    public static string File => s_file.Value;

    private static string Generate()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "goldens", "generated");
        var file = Path.Combine(directory, "onnx_encoder.pth");
        if (System.IO.File.Exists(file))
        {
            return file;
        }
        Assert.True(System.IO.File.Exists(Graph), $"{Graph} is missing: the Segmentation build copies it from its NuGet package");
        var script = Path.Combine(AppContext.BaseDirectory, "goldens", "make_onnx_goldens.py");
        var start = new ProcessStartInfo("/usr/bin/python3", [script, Models, directory]) { RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{script} failed (exit {process.ExitCode}); it needs Debian's python3-onnx and python3-torch (./test.sh installs them):\n{errors}");
        }
        return file;
    }
}
