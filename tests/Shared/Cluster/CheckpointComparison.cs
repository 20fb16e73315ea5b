using System.Runtime.InteropServices;
using U2PL.Segmentation.Serialization;
using static TorchSharp.torch;

namespace U2PL.Tests.Cluster;

/// <summary>
/// Two training checkpoints compared tensor by tensor over what a run's result is: <c>student.*</c>, <c>teacher.*</c>
/// (parameters and BN buffers), <c>optimizer.*</c> (SGD momentum) and <c>memory_bank.*</c>.
/// </summary>
public sealed record CheckpointComparison(int Tensors, int BitEqual, double MaxAbsDifference, IReadOnlyList<string> Problems, double MaxRelativeDifference = 0)
{
    private static readonly string[] Compared = ["student.", "teacher.", "optimizer.", "memory_bank."];

    public bool Identical => Problems.Count == 0 && BitEqual == Tensors;

    /// <param name="include">Which of the compared tensors (by name) to compare; all when null.</param>
    public static CheckpointComparison Of(string actualPath, string expectedPath, Func<string, bool>? include = null)
    {
        using var actual = SafeTensorsReader.Open(actualPath);
        using var expected = SafeTensorsReader.Open(expectedPath);
        var problems = new List<string>();
        var worst = new List<(double Difference, string Name)>();
        int tensors = 0, bitEqual = 0;
        double max = 0, maxRelative = 0;
        foreach (var entry in expected.Entries.Where(e => Compared.Any(e.Name.StartsWith) && (include?.Invoke(e.Name) ?? true)))
        {
            tensors++;
            if (actual.Find(entry.Name) is not { } other)
            {
                problems.Add($"{entry.Name}: missing");
                continue;
            }
            if (!other.Shape.SequenceEqual(entry.Shape) || other.DType != entry.DType)
            {
                problems.Add($"{entry.Name}: {other.DType} [{string.Join(", ", other.Shape)}], expected {entry.DType} [{string.Join(", ", entry.Shape)}]");
                continue;
            }
            var a = actual.ReadBytes(entry.Name);
            var b = expected.ReadBytes(entry.Name);
            if (a.AsSpan().SequenceEqual(b))
            {
                bitEqual++;
                continue;
            }
            var difference = MaxDifference(entry.DType, a, b);
            worst.Add((difference, entry.Name));
            max = Math.Max(max, difference);
            if (entry.DType == ScalarType.Float32) maxRelative = Math.Max(maxRelative, RelativeDifference(a, b));
        }
        problems.AddRange(worst.OrderByDescending(w => w.Difference).Take(8).Select(w => $"{w.Name}: max |Δ| {w.Difference:G4}"));
        return new CheckpointComparison(tensors, bitEqual, max, problems, maxRelative);
    }

    private static double MaxDifference(ScalarType dtype, byte[] a, byte[] b) => dtype switch
    {
        ScalarType.Float32 => MemoryMarshal.Cast<byte, float>(a).ToArray().Zip(MemoryMarshal.Cast<byte, float>(b).ToArray(), (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty().Max(),
        ScalarType.Int64 => MemoryMarshal.Cast<byte, long>(a).ToArray().Zip(MemoryMarshal.Cast<byte, long>(b).ToArray(), (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty().Max(),
        _ => double.PositiveInfinity,
    };

    /// <summary>‖a − b‖₂ / ‖b‖₂ of one float32 tensor (0 when both are zero).</summary>
    private static double RelativeDifference(byte[] a, byte[] b)
    {
        var x = MemoryMarshal.Cast<byte, float>(a);
        var y = MemoryMarshal.Cast<byte, float>(b);
        double difference = 0, norm = 0;
        for (var i = 0; i < y.Length; i++)
        {
            difference += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
            norm += (double)y[i] * y[i];
        }
        return norm > 0 ? Math.Sqrt(difference / norm) : difference > 0 ? double.PositiveInfinity : 0;
    }

    public override string ToString() =>
        $"{BitEqual} of {Tensors} tensors bit-equal, max |Δ| {MaxAbsDifference:G4}, largest ‖Δ‖/‖reference‖ of a tensor {MaxRelativeDifference:G3}" + (Problems.Count > 0 ? ":\n  " + string.Join("\n  ", Problems) : "");
}
