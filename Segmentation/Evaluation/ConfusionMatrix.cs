using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Evaluation;

/// <summary>Counts of (ground truth, prediction) pairs over the valid pixels; IoU per class and their mean.</summary>
public sealed class ConfusionMatrix(int numClasses, int ignoreIndex = 255)
{
    private readonly long[] _counts = new long[numClasses * numClasses];

    public int NumClasses { get; } = numClasses;

    /// <summary>count[truth, prediction].</summary>
    public long this[int truth, int prediction] => _counts[truth * NumClasses + prediction];

    /// <summary>
    /// Adds a (H, W) prediction against its (H, W) ground truth (int64, on the prediction's device); ignored pixels are
    /// skipped. The pairs are counted where the tensors are; only the C² counts come back to the CPU.
    /// </summary>
    public void Add(Tensor prediction, Tensor truth)
    {
        using var scope = torch.NewDisposeScope();
        using var ignored = ignoreIndex.ToScalar(); // held through the native calls (README, "Implicit Scalars")
        using var classes = NumClasses.ToScalar();
        using var one = 1.ToScalar();
        var valid = truth.ne(ignored);
        var pairs = truth.masked_select(valid).mul(classes).add(prediction.masked_select(valid), alpha: one);
        var counts = pairs.bincount(null, NumClasses * NumClasses).cpu().ToArray<long>();
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += counts[i];
        }
    }

    /// <summary>IoU per class: tp / (tp + fp + fn); NaN for a class absent from both truth and prediction.</summary>
    public double[] IoU()
    {
        var result = new double[NumClasses];
        for (var c = 0; c < NumClasses; c++)
        {
            long truth = 0, predicted = 0;
            for (var k = 0; k < NumClasses; k++)
            {
                truth += this[c, k];
                predicted += this[k, c];
            }
            var tp = this[c, c];
            var union = truth + predicted - tp;
            result[c] = union == 0 ? double.NaN : (double)tp / union;
        }
        return result;
    }

    /// <summary>Mean IoU over the classes that occur in truth or prediction.</summary>
    public double MeanIoU()
    {
        var present = IoU().Where(v => !double.IsNaN(v)).ToArray();
        return present.Length == 0 ? 0 : present.Average();
    }

    /// <summary>Share of valid pixels predicted right.</summary>
    public double PixelAccuracy()
    {
        long correct = 0, total = 0;
        for (var c = 0; c < NumClasses; c++)
        {
            correct += this[c, c];
            for (var k = 0; k < NumClasses; k++)
            {
                total += this[c, k];
            }
        }
        return total == 0 ? 0 : (double)correct / total;
    }
}
